-- A storefront customer's address book (Magento's customer addresses): the signed-in
-- checkout offers these addresses and saves new ones; default_shipping and
-- default_billing mark the customer's default address of each kind (at most one each,
-- kept so by the customers service).

-- +goose Up
CREATE TABLE customer_addresses (
    id {{id}},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    firstname VARCHAR(255) NOT NULL,
    lastname VARCHAR(255) NOT NULL,
    company VARCHAR(255) NOT NULL DEFAULT '',
    street TEXT NOT NULL,
    city VARCHAR(255) NOT NULL,
    region VARCHAR(255) NOT NULL DEFAULT '',
    region_code VARCHAR(32) NOT NULL DEFAULT '',
    region_id BIGINT NOT NULL DEFAULT 0,
    postcode VARCHAR(32) NOT NULL DEFAULT '',
    country_code VARCHAR(2) NOT NULL,
    telephone VARCHAR(64) NOT NULL DEFAULT '',
    default_shipping BOOLEAN NOT NULL DEFAULT FALSE,
    default_billing BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id);

-- +goose Down
DROP TABLE customer_addresses;
