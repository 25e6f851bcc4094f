-- Per admin user preferences that follow the person across browsers and instances, such as
-- the columns they chose to see in each grid. Values are short strings the owning feature
-- reads back; a missing row means the feature's default.

-- +goose Up
CREATE TABLE admin_preferences (
    user_id BIGINT NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
    pref_key VARCHAR(64) NOT NULL,
    pref_value VARCHAR(2000) NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (user_id, pref_key)
);

-- +goose Down
DROP TABLE admin_preferences;
