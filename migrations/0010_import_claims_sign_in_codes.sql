CREATE TABLE `sign_in_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`sub` text NOT NULL,
	`role` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `event_imports` ADD `finished_at` text;--> statement-breakpoint
ALTER TABLE `event_imports` ADD `resolved` text;--> statement-breakpoint
-- custom SQL (not generated)
-- Imports stored before claims existed were written whole, report included: they are finished.
UPDATE `event_imports` SET `finished_at` = `created_at`;
