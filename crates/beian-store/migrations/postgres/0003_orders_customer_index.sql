-- A customer's orders newest first, in several states at once: walking this index in id
-- order stops after one page, where the (customer, state, id) index would sort them all.
CREATE INDEX orders_customer ON orders (customer_id, id);
