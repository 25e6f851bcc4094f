-- Orders keep the customer's email themselves (as Magento's orders do), so the orders grid
-- reads orders alone instead of joining the customers table that another domain owns.
-- Orders placed before this carried only a guest's email: fill in the customer's.

-- +goose Up
UPDATE orders SET email = COALESCE((SELECT c.email FROM customers c WHERE c.id = orders.customer_id), '')
WHERE email = '' AND customer_id IS NOT NULL;

-- +goose Down
-- Nothing to undo: the emails filled in are the customers' own.
SELECT 1;
