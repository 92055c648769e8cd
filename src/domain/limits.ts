/** Explicit limits, shared by the zod schemas and documented in the README. */
export const limits = {
  maxLines: 10_000,
  /**
   * Items per order: lines times their allocations at placement, plus every split after it. A
   * split past it is refused. Together with `maxItemText` it bounds the order's view (every RPC
   * answer, every tRPC response) far below the platform's 32 MiB RPC limit.
   */
  maxItems: 10_000,
  /**
   * Characters (code points) of SKU and name summed over the order's items: each item shows its
   * line's SKU and name, so a split counts its line's text again. 200 per item on average at
   * 10,000 items; at most 8 MB of text even in 4-byte characters.
   */
  maxItemText: 2_000_000,
  maxShipments: 100,
  maxQuantity: 10_000_000,
  maxUnitPrice: 100_000_000,
  /**
   * Money: a line is at most maxQuantity x maxUnitPrice = 10^15 minor units, and the lines and
   * shipping of one order add up to at most 10^15 as well. Tax on top is at most 100 %, so no
   * total, part or sum passes 2 x 10^15, well inside Number.MAX_SAFE_INTEGER (about 9 x 10^15);
   * products with tax rates are computed as BigInt (src/engine/money.ts).
   */
  maxOrderAmount: 1_000_000_000_000_000,
  maxReferenceLength: 255,
  maxTextLength: 255,
  maxIdempotencyKeyLength: 255,
  maxTargetItems: 10_000,
  maxListLimit: 100,
  /**
   * Rows of one `orders.list` page: the back office shows 1,000 orders in one call (a list row
   * is a single indexed D1 read of one table, about 600 bytes of JSON).
   */
  maxOrderListLimit: 1_000,
  /**
   * Bytes of one /trpc request body. The largest valid placement (every limit above at its
   * maximum, every text in 4-byte UTF-8 characters) is 14,467,724 bytes of JSON
   * (test/router/limits.test.ts builds and measures it); 16 MiB leaves a seventh on top.
   */
  maxTrpcBodyBytes: 16 * 1024 * 1024,
  /**
   * Bytes of one webhook body. The largest meaningful ERP body, an event on 10,000 items named
   * by id and quantity, is about 400 kB.
   */
  maxWebhookBodyBytes: 1024 * 1024,
  /** Calls in one tRPC batch request (`?batch=1`); the typed client splits larger batches. */
  maxBatchCalls: 10,
} as const;
