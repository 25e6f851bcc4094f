-- The blocks grid searches and sorts block names in any case in SQL. SQLite's LOWER folds
-- ASCII letters alone, so a name's lowercase form is kept beside it, written by the
-- application (Unicode-aware, the same on both databases) whenever a block is saved. Blocks
-- saved before this get LOWER(name): exact on PostgreSQL; on SQLite, names with capitals
-- outside ASCII are matched fully once the block is next saved.

-- +goose Up
ALTER TABLE dynamic_blocks ADD COLUMN search_name VARCHAR(255) NOT NULL DEFAULT '';
UPDATE dynamic_blocks SET search_name = LOWER(name);

-- +goose Down
ALTER TABLE dynamic_blocks DROP COLUMN search_name;
