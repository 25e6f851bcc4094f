-- Carts and orders: what the storefront persists. Rules are applied from the in-memory
-- snapshot; only carts and orders touch the database on a storefront request.

-- +goose Up
CREATE TABLE carts (
    id {{id}},
    masked_id VARCHAR(64) NOT NULL UNIQUE,
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    store_view_id BIGINT NOT NULL REFERENCES store_views(id) ON DELETE CASCADE,
    customer_id BIGINT REFERENCES customers(id) ON DELETE CASCADE,
    coupon_code VARCHAR(255) NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE cart_items (
    id {{id}},
    cart_id BIGINT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    sku VARCHAR(64) NOT NULL,
    qty INTEGER NOT NULL,
    UNIQUE (cart_id, sku)
);

CREATE TABLE orders (
    id {{id}},
    increment_id VARCHAR(32) NOT NULL UNIQUE,
    cart_id BIGINT NOT NULL UNIQUE REFERENCES carts(id),
    website_id BIGINT NOT NULL REFERENCES websites(id),
    store_view_id BIGINT NOT NULL REFERENCES store_views(id),
    customer_id BIGINT REFERENCES customers(id),
    customer_group_id BIGINT NOT NULL,
    coupon_code VARCHAR(255) NOT NULL DEFAULT '',
    subtotal BIGINT NOT NULL,
    discount BIGINT NOT NULL,
    shipping BIGINT NOT NULL,
    shipping_discount BIGINT NOT NULL,
    grand_total BIGINT NOT NULL,
    created_at {{timestamp}} NOT NULL
);

CREATE TABLE order_items (
    id {{id}},
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    sku VARCHAR(64) NOT NULL,
    name VARCHAR(255) NOT NULL,
    price BIGINT NOT NULL,
    qty INTEGER NOT NULL,
    discount BIGINT NOT NULL
);

CREATE TABLE order_rules (
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    rule_id BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    label VARCHAR(255) NOT NULL DEFAULT '',
    discount BIGINT NOT NULL,
    PRIMARY KEY (order_id, rule_id)
);

-- +goose Down
DROP TABLE order_rules;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE cart_items;
DROP TABLE carts;
