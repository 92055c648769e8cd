PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_invoices` (
	`reference` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`order_reference` text NOT NULL,
	`customer_reference` text NOT NULL,
	`customer_email` text NOT NULL,
	`issued_at` text NOT NULL,
	`currency` text NOT NULL,
	`totals` text NOT NULL,
	`html` text,
	`document_key` text,
	`document_bytes` integer,
	`template_version` integer NOT NULL,
	`mailed_at` text
);
--> statement-breakpoint
INSERT INTO `__new_invoices`("reference", "number", "order_reference", "customer_reference", "customer_email", "issued_at", "currency", "totals", "html", "document_key", "document_bytes", "template_version", "mailed_at") SELECT "reference", "number", "order_reference", "customer_reference", "customer_email", "issued_at", "currency", "totals", "html", NULL, NULL, "template_version", "mailed_at" FROM `invoices`;--> statement-breakpoint
DROP TABLE `invoices`;--> statement-breakpoint
ALTER TABLE `__new_invoices` RENAME TO `invoices`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_order` ON `invoices` (`order_reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number` ON `invoices` (`number`);--> statement-breakpoint
CREATE INDEX `invoices_customer` ON `invoices` (`customer_reference`,`issued_at`);--> statement-breakpoint
ALTER TABLE `mails` ADD `attachments` text DEFAULT '[]' NOT NULL;