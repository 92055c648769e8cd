CREATE TABLE `invoices` (
	`reference` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`order_reference` text NOT NULL,
	`customer_reference` text NOT NULL,
	`customer_email` text NOT NULL,
	`issued_at` text NOT NULL,
	`currency` text NOT NULL,
	`totals` text NOT NULL,
	`html` text NOT NULL,
	`template_version` integer NOT NULL,
	`mailed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_order` ON `invoices` (`order_reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number` ON `invoices` (`number`);--> statement-breakpoint
CREATE INDEX `invoices_customer` ON `invoices` (`customer_reference`,`issued_at`);--> statement-breakpoint
CREATE TABLE `mails` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`to` text NOT NULL,
	`bcc` text NOT NULL,
	`subject` text NOT NULL,
	`html` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mails_idempotency` ON `mails` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `mails_to` ON `mails` (`to`);--> statement-breakpoint
CREATE TABLE `orders` (
	`reference` text PRIMARY KEY NOT NULL,
	`customer_reference` text NOT NULL,
	`custom_order_reference` text,
	`state` text NOT NULL,
	`item_states` text NOT NULL,
	`grand_total` integer NOT NULL,
	`currency` text NOT NULL,
	`placed_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`cancellable_until` text NOT NULL,
	`items_cancellable` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_customer_placed` ON `orders` (`customer_reference`,`placed_at`,`reference`);--> statement-breakpoint
CREATE INDEX `orders_custom_reference` ON `orders` (`custom_order_reference`);--> statement-breakpoint
CREATE INDEX `orders_placed` ON `orders` (`placed_at`,`reference`);