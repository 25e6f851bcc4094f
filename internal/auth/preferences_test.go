package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func TestPreferences(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := auth.NewService(d, audit.NewLog(d))
		a, err := s.Create(ctx, audit.Actor{Username: "t"}, auth.NewUser{Username: "anna", Email: "anna@example.com", Password: "correct-horse-1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Create(ctx, audit.Actor{Username: "t"}, auth.NewUser{Username: "bert", Email: "bert@example.com", Password: "correct-horse-1"})
		if err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Preference(ctx, a.ID, "grid.orders.hidden"); err != nil || ok || v != "" {
			t.Fatalf("unset: %q %v %v", v, ok, err)
		}
		if err := s.SetPreference(ctx, a.ID, "grid.orders.hidden", "coupon,rules"); err != nil {
			t.Fatal(err)
		}
		// Setting again replaces (an upsert on both dialects), and an empty value is a value.
		if err := s.SetPreference(ctx, a.ID, "grid.orders.hidden", ""); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.Preference(ctx, a.ID, "grid.orders.hidden"); err != nil || !ok || v != "" {
			t.Fatalf("replaced: %q %v %v", v, ok, err)
		}
		if err := s.SetPreference(ctx, a.ID, "grid.orders.hidden", "coupon"); err != nil {
			t.Fatal(err)
		}
		if v, _, _ := s.Preference(ctx, a.ID, "grid.orders.hidden"); v != "coupon" {
			t.Fatalf("got %q", v)
		}
		// Another admin's preferences are their own.
		if _, ok, _ := s.Preference(ctx, b.ID, "grid.orders.hidden"); ok {
			t.Fatal("bert sees anna's preference")
		}
		if err := s.SetPreference(ctx, a.ID, "k", strings.Repeat("x", auth.MaxPreferenceValue+1)); !errors.Is(err, auth.ErrPreference) {
			t.Fatalf("long value: %v", err)
		}
		if err := s.SetPreference(ctx, a.ID, strings.Repeat("k", auth.MaxPreferenceKey+1), ""); !errors.Is(err, auth.ErrPreference) {
			t.Fatalf("long key: %v", err)
		}
		if err := s.DeletePreference(ctx, a.ID, "grid.orders.hidden"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Preference(ctx, a.ID, "grid.orders.hidden"); ok {
			t.Fatal("still there after delete")
		}
	})
}
