package config

import (
	"context"

	"audienceactivation/internal/db"
)

// ChangeMarker summarises the stored configuration: it changes when any value is saved
// or removed, so other instances sharing the database rebuild what they read from it.
func (s *Store) ChangeMarker(ctx context.Context) (string, error) {
	return db.Marker(ctx, s.db, "SELECT COUNT(*) AS n, COALESCE(CAST(MAX(updated_at) AS TEXT), '') AS m FROM config_values")
}

// ChangeMarker is the configuration store's (see Store.ChangeMarker).
func (s *StoreConfig) ChangeMarker(ctx context.Context) (string, error) {
	return s.store.ChangeMarker(ctx)
}
