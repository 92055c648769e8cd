-- Search across orders (orders.list `search`): an FTS5 index with the trigram tokenizer, so any
-- part of at least 3 characters of a reference, custom reference, email, name or SKU matches,
-- case-insensitively. External content: the text lives once, in `orders`; the index is derived
-- and can be rebuilt from it at any time with INSERT INTO order_search(order_search) VALUES ('rebuild').
-- Hand-written because drizzle-kit does not model virtual tables or triggers.
CREATE VIRTUAL TABLE `order_search` USING fts5(
  reference, custom_order_reference, customer_email, customer_name, skus,
  content = 'orders', content_rowid = 'rowid', tokenize = 'trigram'
);
--> statement-breakpoint
CREATE TRIGGER `orders_search_insert` AFTER INSERT ON `orders` BEGIN
  INSERT INTO order_search (rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES (new.rowid, new.reference, new.custom_order_reference, new.customer_email, new.customer_name, new.skus);
END;
--> statement-breakpoint
CREATE TRIGGER `orders_search_delete` AFTER DELETE ON `orders` BEGIN
  INSERT INTO order_search (order_search, rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES ('delete', old.rowid, old.reference, old.custom_order_reference, old.customer_email, old.customer_name, old.skus);
END;
--> statement-breakpoint
-- Only when a searchable value really changed: the projection assigns these columns on every
-- update, and re-indexing a 10,000-SKU order each time would cost writes for nothing.
CREATE TRIGGER `orders_search_update` AFTER UPDATE OF custom_order_reference, customer_email, customer_name, skus ON `orders`
WHEN old.custom_order_reference IS NOT new.custom_order_reference
  OR old.customer_email IS NOT new.customer_email
  OR old.customer_name IS NOT new.customer_name
  OR old.skus IS NOT new.skus
BEGIN
  INSERT INTO order_search (order_search, rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES ('delete', old.rowid, old.reference, old.custom_order_reference, old.customer_email, old.customer_name, old.skus);
  INSERT INTO order_search (rowid, reference, custom_order_reference, customer_email, customer_name, skus)
  VALUES (new.rowid, new.reference, new.custom_order_reference, new.customer_email, new.customer_name, new.skus);
END;
--> statement-breakpoint
-- Orders projected before this migration: searchable by reference and custom reference now, by
-- email, name and SKU once their next projection fills those columns.
INSERT INTO order_search (order_search) VALUES ('rebuild');
