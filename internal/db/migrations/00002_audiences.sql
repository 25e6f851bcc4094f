-- Real-Time CDP audiences synced from the CDP, the websites each is activated for, their
-- usage by rules and blocks (written by those features), and the record of sync runs.

-- +goose Up
CREATE TABLE audiences (
    id {{id}},
    cdp_id VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    search_name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    origin VARCHAR(64) NOT NULL DEFAULT '',
    lifecycle_state VARCHAR(32) NOT NULL DEFAULT '',
    status VARCHAR(16) NOT NULL,
    upstream_updated_at {{timestamp}},
    synced_at {{timestamp}} NOT NULL,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
CREATE INDEX audiences_search_name ON audiences (search_name);
CREATE INDEX audiences_upstream_updated ON audiences (upstream_updated_at);
CREATE INDEX audiences_status ON audiences (status);
CREATE INDEX audiences_origin ON audiences (origin);

CREATE TABLE audience_websites (
    audience_id BIGINT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    website_id BIGINT NOT NULL REFERENCES websites(id) ON DELETE CASCADE,
    PRIMARY KEY (audience_id, website_id)
);
CREATE INDEX audience_websites_website ON audience_websites (website_id, audience_id);

-- Which cart price rules and dynamic blocks name an audience; kept by those features when
-- they save, read by the dashboard.
CREATE TABLE audience_usage (
    audience_id BIGINT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    kind VARCHAR(16) NOT NULL,
    entity_id BIGINT NOT NULL,
    entity_name VARCHAR(255) NOT NULL,
    PRIMARY KEY (audience_id, kind, entity_id)
);
CREATE INDEX audience_usage_entity ON audience_usage (kind, entity_id);

CREATE TABLE sync_runs (
    id {{id}},
    trigger_kind VARCHAR(16) NOT NULL,
    started_at {{timestamp}} NOT NULL,
    finished_at {{timestamp}},
    status VARCHAR(16) NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_runs_started ON sync_runs (started_at);

-- A lease so that one sync runs at a time across every instance.
CREATE TABLE sync_lock (
    id INTEGER PRIMARY KEY,
    holder VARCHAR(64) NOT NULL DEFAULT '',
    locked_until {{timestamp}}
);
INSERT INTO sync_lock (id, holder) VALUES (1, '');

-- Audiences read during a sync, merged into audiences in one transaction at its end.
CREATE TABLE audience_sync_staging (
    run_id BIGINT NOT NULL,
    cdp_id VARCHAR(64) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    origin VARCHAR(64) NOT NULL,
    lifecycle_state VARCHAR(32) NOT NULL,
    upstream_updated_at {{timestamp}},
    activated BOOLEAN NOT NULL,
    PRIMARY KEY (run_id, cdp_id)
);
CREATE TABLE audience_sync_staging_websites (
    run_id BIGINT NOT NULL,
    cdp_id VARCHAR(64) NOT NULL,
    website_id BIGINT NOT NULL,
    PRIMARY KEY (run_id, cdp_id, website_id)
);

-- +goose Down
DROP TABLE audience_sync_staging_websites;
DROP TABLE audience_sync_staging;
DROP TABLE sync_lock;
DROP TABLE sync_runs;
DROP TABLE audience_usage;
DROP TABLE audience_websites;
DROP TABLE audiences;
