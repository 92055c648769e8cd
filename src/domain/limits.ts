/** Explicit limits, shared by the zod schemas and documented in the README. */
export const limits = {
  maxLines: 10_000,
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
} as const;
