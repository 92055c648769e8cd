-- Edited after drizzle-kit: order_reservations, order_waiting and sku_reservations are WITHOUT
-- ROWID tables (one row written per row instead of two); drizzle's schema cannot say so.
CREATE TABLE `event_import_reports` (
	`import_id` text NOT NULL,
	`chunk` integer NOT NULL,
	`rows` text NOT NULL,
	PRIMARY KEY(`import_id`, `chunk`)
);
--> statement-breakpoint
CREATE TABLE `event_imports` (
	`import_id` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`rows` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `order_reservations` (
	`order_reference` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`order_reference`, `sku`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `order_waiting` (
	`order_reference` text NOT NULL,
	`process` text NOT NULL,
	`state` text NOT NULL,
	`since` integer NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`order_reference`, `state`, `since`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `sku_reservations` (
	`sku` text PRIMARY KEY NOT NULL,
	`reserved` integer NOT NULL
) WITHOUT ROWID;
