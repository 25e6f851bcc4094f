package dynamicblocks

import (
	"context"

	"audienceactivation/internal/db"
)

// ChangeMarker summarises the blocks and placements as stored (every save bumps a
// version), so other instances sharing the database rebuild their block snapshot.
func (s *Service) ChangeMarker(ctx context.Context) (string, error) {
	return db.Marker(ctx, s.db,
		"SELECT COUNT(*) AS n, CAST(COALESCE(SUM(version), 0) AS TEXT) AS m FROM dynamic_blocks",
		"SELECT COUNT(*) AS n, CAST(COALESCE(SUM(version), 0) AS TEXT) AS m FROM block_placements")
}
