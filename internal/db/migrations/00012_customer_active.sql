-- A customer with orders is deactivated rather than deleted (the orders keep referring to
-- the account): an inactive customer cannot sign in, and their tokens stop working.

-- +goose Up
ALTER TABLE customers ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;

-- +goose Down
ALTER TABLE customers DROP COLUMN is_active;
