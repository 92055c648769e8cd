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
  maxReferenceLength: 255,
  maxTextLength: 255,
  maxIdempotencyKeyLength: 255,
  maxTargetItems: 10_000,
  maxListLimit: 100,
} as const;
