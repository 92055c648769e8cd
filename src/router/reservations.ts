import { reservedUnits } from "../db/item-groups";
import { type Reservation, reservationsInput } from "../domain/stock";
import { checkoutOrStaffProcedure, router } from "./trpc";

export const reservationsRouter = router({
  /**
   * Units of each SKU held by items in `reserved` states across all orders (from D1, kept by
   * the orders' projections), so a storefront can subtract them from stock.
   */
  get: checkoutOrStaffProcedure
    .input(reservationsInput)
    .query(({ ctx, input }): Promise<Reservation[]> => reservedUnits(ctx.db, input.skus)),
});
