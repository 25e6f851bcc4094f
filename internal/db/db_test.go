package db_test

import (
	"context"
	"testing"

	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrationsApplyAndSeed(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Ready(ctx); err != nil {
			t.Fatalf("Ready after migrate: %v", err)
		}
		var codes []string
		if err := d.Raw("SELECT code FROM websites").Scan(&codes).Error; err != nil {
			t.Fatal(err)
		}
		if len(codes) != 1 || codes[0] != "base" {
			t.Fatalf("seeded websites = %v, want [base]", codes)
		}
		var groups int64
		d.Raw("SELECT COUNT(*) FROM customer_groups").Scan(&groups)
		if groups != 4 {
			t.Fatalf("customer groups = %d, want 4", groups)
		}
		// A second run applies nothing: migrations are idempotent by version.
		n, err := d.Migrate(ctx, nil)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v", n, err)
		}
		// Identity columns keep counting after seeded rows.
		if err := d.Exec("INSERT INTO websites (code, name, is_default, sort_order, created_at, updated_at) VALUES ('second', 'Second', FALSE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
			t.Fatalf("insert after seed: %v", err)
		}
	})
}

func TestReadyReportsPendingMigrations(t *testing.T) {
	d := dbtest.New(t)
	if err := d.Exec("DELETE FROM goose_db_version WHERE version_id = ?", db.LatestVersion()).Error; err != nil {
		t.Fatal(err)
	}
	if err := d.Ready(context.Background()); err != db.ErrMigrationsPending {
		t.Fatalf("Ready = %v, want ErrMigrationsPending", err)
	}
}
