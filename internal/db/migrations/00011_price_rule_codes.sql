-- Cart price rules get a stable code, so that a rules file imported again updates the rules
-- it already brought instead of adding copies. Existing rules get "rule-<id>".

-- +goose Up
ALTER TABLE price_rules ADD COLUMN code VARCHAR(64);
UPDATE price_rules SET code = 'rule-' || id;
CREATE UNIQUE INDEX price_rules_code ON price_rules (code);

-- +goose Down
DROP INDEX price_rules_code;
ALTER TABLE price_rules DROP COLUMN code;
