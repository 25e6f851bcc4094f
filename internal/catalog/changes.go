package catalog

import (
	"context"

	"audienceactivation/internal/db"
)

// ChangeMarker summarises the products as stored: it changes when one is added, removed or
// updated, so other instances sharing the database rebuild their catalog index.
func (s *Service) ChangeMarker(ctx context.Context) (string, error) {
	return db.Marker(ctx, s.db, "SELECT COUNT(*) AS n, COALESCE(CAST(MAX(updated_at) AS TEXT), '') AS m FROM products")
}
