package db_test

import (
	"context"
	"errors"
	"testing"

	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

// Writes made through Conn inside InTx — as two domains make them, neither handed the
// other's connection — commit together or not at all; a nested InTx joins the outer one;
// outside InTx, Conn writes at once.
func TestInTxSpansWhatConnWrites(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		write := func(ctx context.Context, name string) error { // a domain's store writing
			return db.Conn(ctx, d.DB).Exec("INSERT INTO customer_groups (id, code) VALUES ((SELECT MAX(id) + 1 FROM customer_groups), ?)", name).Error
		}
		count := func() (n int64) {
			d.Raw("SELECT COUNT(*) FROM customer_groups WHERE code LIKE 'tx-%'").Scan(&n)
			return n
		}
		refused := errors.New("refused")
		err := db.InTx(ctx, d.DB, func(ctx context.Context) error {
			if err := write(ctx, "tx-one"); err != nil {
				return err
			}
			return db.InTx(ctx, d.DB, func(ctx context.Context) error { // joins: no second transaction
				if err := write(ctx, "tx-two"); err != nil {
					return err
				}
				return refused
			})
		})
		if !errors.Is(err, refused) || count() != 0 {
			t.Fatalf("rolled back: err %v, %d rows kept, want none", err, count())
		}
		if err := db.InTx(ctx, d.DB, func(ctx context.Context) error {
			if err := write(ctx, "tx-one"); err != nil {
				return err
			}
			return write(ctx, "tx-two")
		}); err != nil || count() != 2 {
			t.Fatalf("committed: err %v, %d rows, want 2", err, count())
		}
		if err := write(ctx, "tx-three"); err != nil || count() != 3 {
			t.Fatalf("outside a transaction: err %v, %d rows, want 3", err, count())
		}
	})
}
