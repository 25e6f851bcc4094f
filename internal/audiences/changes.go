package audiences

import (
	"context"

	"audienceactivation/internal/db"
)

// ChangeMarker changes when a sync succeeds, which is when the membership map (audience
// ids by CDP id and website) can change; other instances sharing the database rebuild theirs.
func (s *Store) ChangeMarker(ctx context.Context) (string, error) {
	return db.Marker(ctx, s.db, "SELECT COUNT(*) AS n, CAST(COALESCE(MAX(id), 0) AS TEXT) AS m FROM sync_runs WHERE status = 'succeeded'")
}
