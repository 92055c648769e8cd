import { z } from "zod";
import { taxCategory } from "../../domain/einvoice";
import {
  type Change,
  type Item,
  type Line,
  type OrderState,
  orderHeaderSchema,
  shipmentSchema,
} from "../../engine/model";
import { baseOf, deltaOf, type VersionDelta } from "../../engine/versions";
import { itemContextSchema } from "../../machines/item-process";
import { num, type Sql, str } from "./sql";

const storedLine = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  taxRate: z.number(),
  taxCategory,
  unitCode: z.string(),
  isQuantitySplittable: z.boolean(),
}) satisfies z.ZodType<Line>;

const storedItem = z.object({
  id: z.string(),
  lineId: z.string(),
  quantity: z.number(),
  shipmentId: z.string(),
  state: z.string(),
  context: itemContextSchema,
  stateSince: z.number(),
}) satisfies z.ZodType<Item>;

const storedDelta = z.object({
  base: z.literal(true).optional(),
  header: orderHeaderSchema.optional(),
  lines: z.array(storedLine).optional(),
  items: z.array(storedItem).optional(),
  deletedItems: z.array(z.string()).optional(),
  shipments: z.array(shipmentSchema).optional(),
  deletedShipments: z.array(z.string()).optional(),
}) satisfies z.ZodType<VersionDelta, unknown>;

/**
 * `order_versions`: one row (or a few pieces) per change that touched the order's state, keyed
 * by the first version it made (a change with several history entries makes several). Written in
 * the change's transaction; read only by `orders.at` and `orders.diff`.
 */
export class VersionLog {
  constructor(private readonly sql: Sql) {}

  /** Records what `change` did; `version` is the first version it made. */
  append(change: Change, version: number): void {
    const delta = deltaOf(change);
    if (delta) this.insert(version, delta);
  }

  /** The first row of an order older than the log: the order as it is now. */
  base(state: OrderState): void {
    this.insert(state.version, baseOf(state));
  }

  /** The rows up to `version`, oldest first. */
  upTo(version: number): { version: number; delta: VersionDelta }[] {
    return this.sql
      .exec(`SELECT version, delta FROM order_versions WHERE version <= ? ORDER BY seq`, version)
      .toArray()
      .map((r) => ({
        version: num(r, "version"),
        delta: storedDelta.parse(JSON.parse(str(r, "delta"))),
      }));
  }

  private insert(version: number, delta: VersionDelta) {
    for (const piece of pieces(delta))
      this.sql.exec(
        `INSERT INTO order_versions (version, delta) VALUES (?, ?)`,
        version,
        JSON.stringify(piece),
      );
  }
}

/** Rows per list of a delta: a 10,000-line order's placement stays far below 2 MB a value. */
const PIECE = 500;

/**
 * A delta as rows of the same version, applied one after the other: small deltas are one row,
 * large lists are cut into pieces (the first row holds the header and the base mark).
 */
function pieces(delta: VersionDelta): VersionDelta[] {
  const { base, header, lines = [], items = [], deletedItems = [], shipments = [] } = delta;
  const { deletedShipments = [] } = delta;
  const size = lines.length + items.length + deletedItems.length + shipments.length;
  if (size + deletedShipments.length <= PIECE) return [delta];
  const rows: VersionDelta[] = [{ ...(base ? { base } : {}), ...(header ? { header } : {}) }];
  const cut = <T>(list: T[], row: (part: T[]) => VersionDelta) => {
    for (let i = 0; i < list.length; i += PIECE) rows.push(row(list.slice(i, i + PIECE)));
  };
  cut(lines, (part) => ({ lines: part }));
  cut(deletedItems, (part) => ({ deletedItems: part }));
  cut(items, (part) => ({ items: part }));
  cut(deletedShipments, (part) => ({ deletedShipments: part }));
  cut(shipments, (part) => ({ shipments: part }));
  return rows;
}
