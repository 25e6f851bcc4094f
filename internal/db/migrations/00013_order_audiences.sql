-- Orders record the shopper's Real-Time CDP audiences at the moment of the order (their
-- CDP ids and names, as they were then), so that the orders grid can filter by audience and
-- Reports › Audience Promotions can compare what members and others bought.

-- +goose Up
CREATE TABLE order_audiences (
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    cdp_id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    PRIMARY KEY (order_id, cdp_id)
);
CREATE INDEX order_audiences_cdp ON order_audiences (cdp_id, order_id);
CREATE INDEX orders_created ON orders (created_at);

-- +goose Down
DROP INDEX orders_created;
DROP TABLE order_audiences;
