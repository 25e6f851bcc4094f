-- CDP sync as Adobe documents it (issue 12). Audience ids are stored as Adobe sends them:
-- UUIDs for platform audiences, longer strings for others (Audience Orchestration), so the
-- id columns widen on PostgreSQL (SQLite does not enforce VARCHAR lengths). A run records
-- its warnings: websites whose datastream matched no Adobe Commerce destination.

-- +goose Up
ALTER TABLE sync_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
--postgres-only ALTER TABLE audiences ALTER COLUMN cdp_id TYPE VARCHAR(255);
--postgres-only ALTER TABLE audience_sync_staging ALTER COLUMN cdp_id TYPE VARCHAR(255);
--postgres-only ALTER TABLE audience_sync_staging_websites ALTER COLUMN cdp_id TYPE VARCHAR(255);

-- +goose Down
ALTER TABLE sync_runs DROP COLUMN warnings;
