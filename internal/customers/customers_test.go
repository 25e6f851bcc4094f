package customers_test

import (
	"context"
	"errors"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestCustomers(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := customers.NewService(d, audit.NewLog(d))
		who := audit.Actor{Username: "t"}
		c, err := s.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: "jane@example.com", Firstname: "Jane", Lastname: "Doe", GroupID: 2, Password: "shopper-123"})
		if err != nil {
			t.Fatal(err)
		}
		var ve validation.Errors
		if _, err := s.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: "jane@example.com", Firstname: "J", Lastname: "D", GroupID: 1, Password: "shopper-123"}); !errors.As(err, &ve) || ve["email"] == "" {
			t.Fatalf("duplicate email: %v", err)
		}
		if _, err := s.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: "x", GroupID: 0, Password: "short"}); !errors.As(err, &ve) || len(ve) < 4 {
			t.Fatalf("validation: %v", err)
		}
		if got, err := s.Authenticate(ctx, 1, "JANE@example.com", "shopper-123"); err != nil || got.ID != c.ID || got.GroupID != 2 {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if _, err := s.Authenticate(ctx, 1, "jane@example.com", "wrong-123"); !errors.Is(err, customers.ErrNotFound) {
			t.Fatal("wrong password accepted")
		}
		// An edit without a password keeps it.
		if _, err := s.Save(ctx, who, c.ID, customers.Input{WebsiteID: 1, Email: "jane@example.com", Firstname: "Jane", Lastname: "Roe", GroupID: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, 1, "jane@example.com", "shopper-123"); err != nil {
			t.Fatal("password lost on edit")
		}
		if cs, n, _ := s.List(ctx, "roe", 1, 10); n != 1 || cs[0].GroupID != 3 {
			t.Fatalf("list: %+v", cs)
		}
	})
}
