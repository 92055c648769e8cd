CREATE TABLE `process_migration_orders` (
	`migration_id` text NOT NULL,
	`reference` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`detail` text DEFAULT '[]' NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`migration_id`, `reference`)
);
--> statement-breakpoint
CREATE INDEX `process_migration_orders_outcome` ON `process_migration_orders` (`migration_id`,`outcome`);--> statement-breakpoint
CREATE TABLE `process_migrations` (
	`id` text PRIMARY KEY NOT NULL,
	`from_process` text NOT NULL,
	`to_process` text NOT NULL,
	`state_map` text NOT NULL,
	`actor` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`until_key` integer NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`lease_owner` text,
	`lease_until` integer
);
--> statement-breakpoint
ALTER TABLE `orders` ADD `process` text;--> statement-breakpoint
CREATE INDEX `orders_process` ON `orders` (`process`,`id`);