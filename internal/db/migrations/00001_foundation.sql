-- The foundation: websites and store views, customer groups, admin users and sign-in
-- throttling, the scoped configuration store, and the action log.
-- {{id}} and {{timestamp}} are filled per dialect by db.Migrations.

-- +goose Up
CREATE TABLE websites (
    id {{id}},
    code VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE store_views (
    id {{id}},
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE RESTRICT,
    code VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    timezone VARCHAR(64) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
CREATE INDEX store_views_website ON store_views (website_id);

CREATE TABLE customer_groups (
    id INTEGER PRIMARY KEY,
    code VARCHAR(64) NOT NULL UNIQUE
);

CREATE TABLE admin_users (
    id {{id}},
    username VARCHAR(64) NOT NULL UNIQUE,
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role VARCHAR(32) NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    session_version INTEGER NOT NULL DEFAULT 1,
    last_login_at {{timestamp}},
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

-- One row per failed sign-in; throttling counts recent rows per username and per address.
CREATE TABLE login_failures (
    id {{id}},
    username VARCHAR(255) NOT NULL,
    remote_addr VARCHAR(64) NOT NULL,
    at {{timestamp}} NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_addr ON login_failures (remote_addr, at);

CREATE TABLE config_values (
    id {{id}},
    path VARCHAR(255) NOT NULL,
    scope VARCHAR(16) NOT NULL,
    scope_id BIGINT NOT NULL DEFAULT 0,
    value TEXT NOT NULL,
    encrypted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at {{timestamp}} NOT NULL,
    updated_by VARCHAR(64) NOT NULL DEFAULT '',
    UNIQUE (path, scope, scope_id)
);

CREATE TABLE action_log (
    id {{id}},
    at {{timestamp}} NOT NULL,
    actor VARCHAR(64) NOT NULL,
    remote_addr VARCHAR(64) NOT NULL DEFAULT '',
    action VARCHAR(64) NOT NULL,
    entity_type VARCHAR(64) NOT NULL DEFAULT '',
    entity_id VARCHAR(64) NOT NULL DEFAULT '',
    summary TEXT NOT NULL,
    before_data TEXT NOT NULL DEFAULT '',
    after_data TEXT NOT NULL DEFAULT '',
    request_id VARCHAR(64) NOT NULL DEFAULT ''
);
CREATE INDEX action_log_at ON action_log (at);
CREATE INDEX action_log_action ON action_log (action, at);

INSERT INTO customer_groups (id, code) VALUES (0, 'NOT LOGGED IN'), (1, 'General'), (2, 'Wholesale'), (3, 'Retailer');
INSERT INTO websites (code, name, is_default, sort_order, created_at, updated_at)
    VALUES ('base', 'Main Website', TRUE, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
INSERT INTO store_views (website_id, code, name, currency, timezone, is_active, is_default, sort_order, created_at, updated_at)
    SELECT id, 'default', 'Default Store View', 'USD', 'America/Los_Angeles', TRUE, TRUE, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
    FROM websites WHERE code = 'base';

-- +goose Down
DROP TABLE action_log;
DROP TABLE config_values;
DROP TABLE login_failures;
DROP TABLE admin_users;
DROP TABLE customer_groups;
DROP TABLE store_views;
DROP TABLE websites;
