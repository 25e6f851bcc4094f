-- Dynamic blocks targeted at audiences, and the placements (rotators) that show them.

-- +goose Up
CREATE TABLE dynamic_blocks (
    id {{id}},
    name VARCHAR(255) NOT NULL,
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    block_type VARCHAR(16) NOT NULL DEFAULT 'any',
    content TEXT NOT NULL DEFAULT '',
    from_date VARCHAR(10) NOT NULL DEFAULT '',
    to_date VARCHAR(10) NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

CREATE TABLE dynamic_block_audiences (
    block_id BIGINT NOT NULL REFERENCES dynamic_blocks(id) ON DELETE CASCADE,
    audience_id BIGINT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
    PRIMARY KEY (block_id, audience_id)
);

CREATE TABLE dynamic_block_contents (
    block_id BIGINT NOT NULL REFERENCES dynamic_blocks(id) ON DELETE CASCADE,
    store_view_id BIGINT NOT NULL REFERENCES store_views(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    PRIMARY KEY (block_id, store_view_id)
);

CREATE TABLE dynamic_block_rules (
    block_id BIGINT NOT NULL REFERENCES dynamic_blocks(id) ON DELETE CASCADE,
    rule_id BIGINT NOT NULL REFERENCES price_rules(id) ON DELETE CASCADE,
    PRIMARY KEY (block_id, rule_id)
);
CREATE INDEX dynamic_block_rules_rule ON dynamic_block_rules (rule_id);

CREATE TABLE block_placements (
    id {{id}},
    title VARCHAR(255) NOT NULL,
    location VARCHAR(64) NOT NULL,
    display_mode VARCHAR(16) NOT NULL,
    rotation VARCHAR(16) NOT NULL,
    restrict_type VARCHAR(16) NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
CREATE INDEX block_placements_location ON block_placements (location);

CREATE TABLE block_placement_store_views (
    placement_id BIGINT NOT NULL REFERENCES block_placements(id) ON DELETE CASCADE,
    store_view_id BIGINT NOT NULL REFERENCES store_views(id) ON DELETE CASCADE,
    PRIMARY KEY (placement_id, store_view_id)
);

CREATE TABLE block_placement_blocks (
    placement_id BIGINT NOT NULL REFERENCES block_placements(id) ON DELETE CASCADE,
    block_id BIGINT NOT NULL REFERENCES dynamic_blocks(id) ON DELETE CASCADE,
    sort_order INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (placement_id, block_id)
);

-- +goose Down
DROP TABLE block_placement_blocks;
DROP TABLE block_placement_store_views;
DROP TABLE block_placements;
DROP TABLE dynamic_block_rules;
DROP TABLE dynamic_block_contents;
DROP TABLE dynamic_block_audiences;
DROP TABLE dynamic_blocks;
