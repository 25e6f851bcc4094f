package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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

// A prepared statement runs on either engine, with ? placeholders, from many goroutines,
// and a traced run names its query.
func TestPreparedStatement(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := d.Prepared("SELECT code, name FROM websites WHERE code = ? OR name = ? ORDER BY code")
		var traced atomic.Int32
		d.TracePrepared(func(q string) {
			if strings.Contains(q, "FROM websites") {
				traced.Add(1)
			}
		})
		defer d.TracePrepared(nil)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows, err := st.Query(ctx, "base", "nothing")
				if err != nil {
					errs <- err
					return
				}
				defer rows.Close()
				var codes []string
				for rows.Next() {
					var code, name string
					if err := rows.Scan(&code, &name); err != nil {
						errs <- err
						return
					}
					codes = append(codes, code)
				}
				if err := rows.Err(); err != nil || len(codes) != 1 || codes[0] != "base" {
					errs <- fmt.Errorf("codes %v, %v", codes, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if traced.Load() != 8 {
			t.Fatalf("%d runs traced, want 8", traced.Load())
		}
	})
}
