-- Invoices and credit notes in one table (issue 25): `type` (each type its own gap-free series:
-- unique per type and number), a credit note's `invoice_reference`, the `order_version` a document
-- answers to, and `documents` (HTML and UBL in R2, with size and SHA-256). Rows of invoices issued
-- before are carried over as they are: type 'invoice', their HTML where it was (`html` or
-- `document_key`). Dead letters keep the consumer's last error.
DROP INDEX `invoices_number`;--> statement-breakpoint
DROP INDEX `invoices_order`;--> statement-breakpoint
ALTER TABLE `invoices` ADD `type` text DEFAULT 'invoice' NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `invoice_reference` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `order_version` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `documents` text;--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_credit_note` ON `invoices` (`order_reference`,`order_version`) WHERE type = 'credit-note';--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_type_number` ON `invoices` (`type`,`number`);--> statement-breakpoint
CREATE INDEX `invoices_order_issued` ON `invoices` (`order_reference`,`issued_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_order` ON `invoices` (`order_reference`) WHERE type = 'invoice';--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `last_error` text;
