-- The read model at a million orders (issue 30), edited after drizzle-kit where it says so:
-- * `orders` is keyed by its placement key `id` (placement ms x 2048 + arrival within the ms; the
--   copy numbers orders of one ms by reference), so lists walk the table itself newest first and
--   `orders_placed` goes; the reference keeps a unique index (a rowid table had one already).
-- * `order_states` and `waiting_counts` are WITHOUT ROWID (drizzle's schema cannot say so).
-- * `erp_deliveries_status` holds only deliveries not delivered (D1 hears of most as delivered).
-- * After the generated part: the search index again, now over `id`, so a search walks its
--   matches newest first and stops at a page; the state index and the matrix's counts, each
--   filled from what D1 holds.
CREATE TABLE `order_states` (
	`state` text NOT NULL,
	`order_id` integer NOT NULL,
	PRIMARY KEY(`state`, `order_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `waiting_counts` (
	`process` text NOT NULL,
	`state` text NOT NULL,
	`since` integer NOT NULL,
	`units` integer NOT NULL,
	PRIMARY KEY(`process`, `state`, `since`)
) WITHOUT ROWID;
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_orders` (
	`id` integer PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`customer_reference` text NOT NULL,
	`custom_order_reference` text,
	`customer_email` text DEFAULT '' NOT NULL,
	`customer_name` text DEFAULT '' NOT NULL,
	`skus` text DEFAULT '' NOT NULL,
	`state` text NOT NULL,
	`item_states` text NOT NULL,
	`grand_total` integer NOT NULL,
	`currency` text NOT NULL,
	`placed_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`cancellable_until` text NOT NULL,
	`items_cancellable` integer NOT NULL,
	`customer_visible` integer DEFAULT true NOT NULL,
	`dead_effects` text,
	`version` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_orders`("id", "reference", "customer_reference", "custom_order_reference", "customer_email", "customer_name", "skus", "state", "item_states", "grand_total", "currency", "placed_at", "updated_at", "cancellable_until", "items_cancellable", "customer_visible", "dead_effects", "version") SELECT "placed_ms" * 2048 + row_number() OVER (PARTITION BY "placed_ms" ORDER BY "reference") - 1, "reference", "customer_reference", "custom_order_reference", "customer_email", "customer_name", "skus", "state", "item_states", "grand_total", "currency", "placed_at", "updated_at", "cancellable_until", "items_cancellable", "customer_visible", "dead_effects", "version" FROM (SELECT *, CAST(round(unixepoch("placed_at", 'subsec') * 1000) AS INTEGER) AS "placed_ms" FROM `orders`);--> statement-breakpoint
DROP TABLE `orders`;--> statement-breakpoint
ALTER TABLE `__new_orders` RENAME TO `orders`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_reference` ON `orders` (`reference`);--> statement-breakpoint
CREATE INDEX `orders_customer` ON `orders` (`customer_reference`,`id`);--> statement-breakpoint
CREATE INDEX `orders_custom_reference` ON `orders` (`custom_order_reference`) WHERE custom_order_reference IS NOT NULL;--> statement-breakpoint
CREATE INDEX `orders_dead_effects` ON `orders` (`updated_at`) WHERE "orders"."dead_effects" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `invoices_issued` ON `invoices` (`issued_at`,`reference`);--> statement-breakpoint
DROP INDEX `erp_deliveries_status`;--> statement-breakpoint
CREATE INDEX `erp_deliveries_status` ON `erp_deliveries` (`status`,`created_at`,`id`) WHERE status <> 'delivered';
--> statement-breakpoint
-- custom SQL (not generated)
-- The rebuild dropped the search triggers with the old table; the index is made anew over the
-- new keys (external content on `orders`, rowid = `id`).
DROP TABLE `order_search`;--> statement-breakpoint
CREATE VIRTUAL TABLE `order_search` USING fts5(
  reference, custom_order_reference, customer_email, customer_name, skus,
  content = 'orders', content_rowid = 'id', tokenize = 'trigram'
);--> statement-breakpoint
CREATE TRIGGER `orders_search_insert` AFTER INSERT ON `orders` BEGIN
  INSERT INTO order_search (rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES (new.id, new.reference, new.custom_order_reference, new.customer_email, new.customer_name, new.skus);
END;--> statement-breakpoint
CREATE TRIGGER `orders_search_delete` AFTER DELETE ON `orders` BEGIN
  INSERT INTO order_search (order_search, rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES ('delete', old.id, old.reference, old.custom_order_reference, old.customer_email, old.customer_name, old.skus);
END;--> statement-breakpoint
-- Only when a searchable value really changed (the projection assigns them on every update).
CREATE TRIGGER `orders_search_update` AFTER UPDATE OF custom_order_reference, customer_email, customer_name, skus ON `orders`
WHEN old.custom_order_reference IS NOT new.custom_order_reference
  OR old.customer_email IS NOT new.customer_email
  OR old.customer_name IS NOT new.customer_name
  OR old.skus IS NOT new.skus
BEGIN
  INSERT INTO order_search (order_search, rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES ('delete', old.id, old.reference, old.custom_order_reference, old.customer_email, old.customer_name, old.skus);
  INSERT INTO order_search (rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES (new.id, new.reference, new.custom_order_reference, new.customer_email, new.customer_name, new.skus);
END;--> statement-breakpoint
INSERT INTO order_search (order_search) VALUES ('rebuild');--> statement-breakpoint
-- The state filter's index: a row per order and state its items are in, written only when the
-- set of states changes (a change of quantities alone writes nothing).
CREATE TRIGGER `orders_states_insert` AFTER INSERT ON `orders` BEGIN
  INSERT INTO order_states (state, order_id) SELECT key, new.id FROM json_each(new.item_states);
END;--> statement-breakpoint
CREATE TRIGGER `orders_states_update` AFTER UPDATE OF item_states ON `orders`
WHEN old.item_states IS NOT new.item_states
BEGIN
  DELETE FROM order_states WHERE order_id = old.id AND state IN (
    SELECT key FROM json_each(old.item_states)
    WHERE key NOT IN (SELECT key FROM json_each(new.item_states)));
  INSERT INTO order_states (state, order_id)
  SELECT key, new.id FROM json_each(new.item_states)
  WHERE key NOT IN (SELECT key FROM json_each(old.item_states));
END;--> statement-breakpoint
CREATE TRIGGER `orders_states_delete` AFTER DELETE ON `orders` BEGIN
  DELETE FROM order_states WHERE order_id = old.id
    AND state IN (SELECT key FROM json_each(old.item_states));
END;--> statement-breakpoint
INSERT INTO `order_states` (`state`, `order_id`)
SELECT DISTINCT s.key, o.id FROM `orders` o, json_each(o.item_states) s;--> statement-breakpoint
-- The matrix's counts: the sum of every order's waiting groups.
INSERT INTO `waiting_counts` (`process`, `state`, `since`, `units`)
SELECT w.process, json_extract(g.value, '$[0]'), json_extract(g.value, '$[1]'), SUM(json_extract(g.value, '$[2]'))
FROM `order_waiting_groups` w, json_each(w.groups) g
GROUP BY 1, 2, 3 HAVING SUM(json_extract(g.value, '$[2]')) <> 0;
