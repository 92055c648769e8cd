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
} as const;
