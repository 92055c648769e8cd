/** Explicit limits, shared by the zod schemas and documented in the README. */
export const limits = {
  maxLines: 10_000,
  maxShipments: 100,
  maxQuantity: 10_000_000,
  maxUnitPrice: 100_000_000,
  maxReferenceLength: 255,
  maxTextLength: 255,
  maxIdempotencyKeyLength: 255,
  maxTargetItems: 10_000,
  maxListLimit: 100,
  /**
   * Bytes of one /trpc request body. The largest valid placement (10,000 lines, 100 shipments,
   * every text at its maximum in 4-byte UTF-8 characters) is 20,287,724 bytes of JSON
   * (test/router/limits.test.ts measures it); 24 MiB leaves a fifth on top of that.
   */
  maxTrpcBodyBytes: 24 * 1024 * 1024,
  /**
   * Bytes of one webhook body. The largest meaningful ERP body, an event on 10,000 items named
   * by id and quantity, is about 400 kB.
   */
  maxWebhookBodyBytes: 1024 * 1024,
  /** Calls in one tRPC batch request (`?batch=1`); the typed client splits larger batches. */
  maxBatchCalls: 10,
} as const;
