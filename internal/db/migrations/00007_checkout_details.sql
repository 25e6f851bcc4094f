-- What a headless checkout sets on a cart before placing the order (guest email, shipping
-- and billing address, shipping and payment method), the order's copy of them, and customer tokens for
-- the storefront API. Tokens are stored as SHA-256 hashes, never as issued.

-- +goose Up
ALTER TABLE carts ADD COLUMN email VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN shipping_address TEXT NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN shipping_method VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN payment_method VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN email VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN shipping_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN payment_method VARCHAR(64) NOT NULL DEFAULT '';

CREATE TABLE customer_tokens (
    token_hash VARCHAR(64) PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    expires_at {{timestamp}} NOT NULL,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX customer_tokens_customer ON customer_tokens (customer_id);
-- A customer has one active cart per website, however many requests ask for it at once.
CREATE UNIQUE INDEX carts_customer_active ON carts (customer_id, website_id) WHERE is_active;

-- +goose Down
DROP INDEX carts_customer_active;
DROP TABLE customer_tokens;
ALTER TABLE orders DROP COLUMN payment_method;
ALTER TABLE orders DROP COLUMN billing_address;
ALTER TABLE orders DROP COLUMN shipping_address;
ALTER TABLE orders DROP COLUMN email;
ALTER TABLE carts DROP COLUMN payment_method;
ALTER TABLE carts DROP COLUMN shipping_method;
ALTER TABLE carts DROP COLUMN billing_address;
ALTER TABLE carts DROP COLUMN shipping_address;
ALTER TABLE carts DROP COLUMN email;
