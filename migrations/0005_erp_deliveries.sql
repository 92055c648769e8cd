CREATE TABLE `erp_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`order_reference` text NOT NULL,
	`sequence` integer NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_attempt_at` text,
	`last_error` text,
	`next_attempt_at` text,
	`created_at` text NOT NULL,
	`revision` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `erp_deliveries_order` ON `erp_deliveries` (`order_reference`,`sequence`);--> statement-breakpoint
CREATE INDEX `erp_deliveries_status` ON `erp_deliveries` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `erp_deliveries_created` ON `erp_deliveries` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `erp_webhook_receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`body_hash` text NOT NULL,
	`order_reference` text,
	`status` integer,
	`response` text,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `erp_webhook_receipts_received` ON `erp_webhook_receipts` (`received_at`);