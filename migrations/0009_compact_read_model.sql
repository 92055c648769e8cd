-- Fewer D1 rows written per order (issue 18), edited after drizzle-kit:
-- * an order's reserved SKUs are one JSON row (`order_reserved`, more chunks only for a huge order)
--   instead of a row per SKU, and its waiting units one JSON row (`order_waiting_groups`) instead
--   of a row per state and moment: a projection rewrites one row in place where it deleted and
--   inserted several. The rows of the old tables are carried over before they are dropped.
-- * `erp_deliveries` is keyed by (order_reference, sequence) WITHOUT ROWID: no rowid and no
--   separate unique index next to the key (the webhook id follows from the key).
-- * `orders_custom_reference` indexes only orders that have a custom reference.
-- The new tables are WITHOUT ROWID, which drizzle's schema cannot say.
CREATE TABLE `order_reserved` (
	`order_reference` text NOT NULL,
	`chunk` integer NOT NULL,
	`skus` text NOT NULL,
	PRIMARY KEY(`order_reference`, `chunk`)
) WITHOUT ROWID;
--> statement-breakpoint
-- 1,000 SKUs per chunk: at most 255 four-byte characters each, still below D1's 2 MB per value.
INSERT INTO `order_reserved` (`order_reference`, `chunk`, `skus`)
SELECT `order_reference`, `chunk`, json_group_array(json_array(`sku`, `quantity`))
FROM (
	SELECT `order_reference`, `sku`, `quantity`,
		(row_number() OVER (PARTITION BY `order_reference` ORDER BY `sku`) - 1) / 1000 AS `chunk`
	FROM `order_reservations`
	ORDER BY `order_reference`, `sku`
)
GROUP BY `order_reference`, `chunk`;
--> statement-breakpoint
CREATE TABLE `order_waiting_groups` (
	`order_reference` text PRIMARY KEY NOT NULL,
	`process` text NOT NULL,
	`groups` text NOT NULL
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `order_waiting_groups` (`order_reference`, `process`, `groups`)
SELECT `order_reference`, MIN(`process`), json_group_array(json_array(`state`, `since`, `quantity`))
FROM `order_waiting`
GROUP BY `order_reference`;
--> statement-breakpoint
DROP TABLE `order_reservations`;--> statement-breakpoint
DROP TABLE `order_waiting`;--> statement-breakpoint
CREATE TABLE `__new_erp_deliveries` (
	`id` text NOT NULL,
	`order_reference` text NOT NULL,
	`sequence` integer NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_attempt_at` text,
	`last_error` text,
	`next_attempt_at` text,
	`created_at` text NOT NULL,
	`revision` integer NOT NULL,
	PRIMARY KEY(`order_reference`, `sequence`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_erp_deliveries`("id", "order_reference", "sequence", "type", "status", "attempts", "last_attempt_at", "last_error", "next_attempt_at", "created_at", "revision") SELECT "id", "order_reference", "sequence", "type", "status", "attempts", "last_attempt_at", "last_error", "next_attempt_at", "created_at", "revision" FROM `erp_deliveries`;--> statement-breakpoint
DROP TABLE `erp_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_erp_deliveries` RENAME TO `erp_deliveries`;--> statement-breakpoint
CREATE INDEX `erp_deliveries_status` ON `erp_deliveries` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `erp_deliveries_created` ON `erp_deliveries` (`created_at`,`id`);--> statement-breakpoint
DROP INDEX `orders_custom_reference`;--> statement-breakpoint
CREATE INDEX `orders_custom_reference` ON `orders` (`custom_order_reference`) WHERE custom_order_reference IS NOT NULL;
