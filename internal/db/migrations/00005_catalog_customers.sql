-- A minimal catalog (products, categories) and customers: enough for rules and carts to be
-- real.

-- +goose Up
CREATE TABLE categories (
    id {{id}},
    name VARCHAR(255) NOT NULL UNIQUE,
    created_at {{timestamp}} NOT NULL
);

CREATE TABLE products (
    id {{id}},
    sku VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    price BIGINT NOT NULL,
    weight REAL NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE product_categories (
    product_id BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);

CREATE TABLE product_websites (
    product_id BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, website_id)
);

CREATE TABLE product_attributes (
    product_id BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    code VARCHAR(64) NOT NULL,
    value VARCHAR(255) NOT NULL,
    PRIMARY KEY (product_id, code)
);

CREATE TABLE customers (
    id {{id}},
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE RESTRICT,
    email VARCHAR(255) NOT NULL,
    firstname VARCHAR(255) NOT NULL,
    lastname VARCHAR(255) NOT NULL,
    group_id INTEGER NOT NULL REFERENCES customer_groups(id),
    password_hash VARCHAR(255) NOT NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (website_id, email)
);

-- +goose Down
DROP TABLE customers;
DROP TABLE product_attributes;
DROP TABLE product_websites;
DROP TABLE product_categories;
DROP TABLE products;
DROP TABLE categories;
