-- Admin security (issue 14): roles, two-factor sign-in and attempt quotas.
-- Roles: every existing account keeps full access; only the four known roles are valid.
-- TOTP: the shared secret is sealed (AES-GCM, like configuration secrets) and holds no
-- meaning without the server key; the last accepted time step stops a code's replay.
-- Recovery codes are stored as hashes and used once.
-- attempt_failures counts refused tries that are not admin sign-ins (storefront sign-in per
-- address, coupon guessing per cart, customer and address) in sliding windows.

-- +goose Up
UPDATE admin_users SET role = 'administrator' WHERE role NOT IN ('administrator', 'marketer', 'content_editor', 'viewer');
ALTER TABLE admin_users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_users ADD COLUMN totp_enabled_at {{timestamp}};
ALTER TABLE admin_users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE admin_recovery_codes (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
    code_hash VARCHAR(64) NOT NULL,
    used_at {{timestamp}},
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX admin_recovery_codes_user ON admin_recovery_codes (user_id);

CREATE TABLE attempt_failures (
    id {{id}},
    scope VARCHAR(32) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    at {{timestamp}} NOT NULL
);
CREATE INDEX attempt_failures_key ON attempt_failures (scope, subject, at);

-- +goose Down
DROP TABLE attempt_failures;
DROP TABLE admin_recovery_codes;
ALTER TABLE admin_users DROP COLUMN totp_last_step;
ALTER TABLE admin_users DROP COLUMN totp_enabled_at;
ALTER TABLE admin_users DROP COLUMN totp_secret;
