ALTER TABLE `orders` ADD `dead_effects` text;--> statement-breakpoint
CREATE INDEX `orders_dead_effects` ON `orders` (`updated_at`) WHERE "orders"."dead_effects" IS NOT NULL;