CREATE TABLE `order_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_reference` text NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_notes_order` ON `order_notes` (`order_reference`,`id`);