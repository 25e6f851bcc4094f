-- Cart price rules with their websites, customer groups, labels, coupons and usage.

-- +goose Up
CREATE TABLE price_rules (
    id {{id}},
    name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    coupon_type VARCHAR(16) NOT NULL DEFAULT 'none',
    coupon_code VARCHAR(255),
    uses_per_coupon INTEGER NOT NULL DEFAULT 0,
    uses_per_customer INTEGER NOT NULL DEFAULT 0,
    from_date VARCHAR(10) NOT NULL DEFAULT '',
    to_date VARCHAR(10) NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    stop_further BOOLEAN NOT NULL DEFAULT FALSE,
    conditions TEXT NOT NULL,
    action_conditions TEXT NOT NULL,
    action VARCHAR(16) NOT NULL,
    amount BIGINT NOT NULL DEFAULT 0,
    max_qty INTEGER NOT NULL DEFAULT 0,
    step INTEGER NOT NULL DEFAULT 0,
    apply_to_shipping BOOLEAN NOT NULL DEFAULT FALSE,
    free_shipping VARCHAR(16) NOT NULL DEFAULT 'no',
    default_label VARCHAR(255) NOT NULL DEFAULT '',
    times_used INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
-- Specific coupon codes are unique (NULL for rules without one); coupons.code_key makes every
-- code, specific or generated, unique regardless of case.
CREATE UNIQUE INDEX price_rules_coupon_code ON price_rules (coupon_code);
CREATE INDEX price_rules_active ON price_rules (is_active, priority);

CREATE TABLE price_rule_websites (
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, website_id)
);

CREATE TABLE price_rule_customer_groups (
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    customer_group_id INTEGER NOT NULL REFERENCES customer_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, customer_group_id)
);

CREATE TABLE price_rule_labels (
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    store_view_id BIGINT NOT NULL REFERENCES store_views(id) ON DELETE CASCADE,
    label VARCHAR(255) NOT NULL,
    PRIMARY KEY (rule_id, store_view_id)
);

CREATE TABLE coupons (
    id {{id}},
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    code VARCHAR(255) NOT NULL,
    code_key VARCHAR(255) NOT NULL UNIQUE,
    usage_limit INTEGER NOT NULL DEFAULT 0,
    usage_per_customer INTEGER NOT NULL DEFAULT 0,
    times_used INTEGER NOT NULL DEFAULT 0,
    generated BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX coupons_rule ON coupons (rule_id);

CREATE TABLE coupon_usage (
    coupon_id BIGINT NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
    customer_id BIGINT NOT NULL,
    times_used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (coupon_id, customer_id)
);

CREATE TABLE price_rule_customer_usage (
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    customer_id BIGINT NOT NULL,
    times_used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, customer_id)
);

-- +goose Down
DROP TABLE price_rule_customer_usage;
DROP TABLE coupon_usage;
DROP TABLE coupons;
DROP TABLE price_rule_labels;
DROP TABLE price_rule_customer_groups;
DROP TABLE price_rule_websites;
DROP TABLE price_rules;
