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

// A customer's address book: Magento's required fields, regions from the directory, one
// default of each kind, and no way into another customer's addresses.
func TestAddressBook(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := customers.NewService(d, audit.NewLog(d))
		who := audit.Actor{Username: "t"}
		var ids [2]int64
		for i, email := range []string{"ann@example.com", "bo@example.com"} {
			c, err := s.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: email, Firstname: "A", Lastname: "B", GroupID: 1, Password: "shopper-123"})
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = c.ID
		}
		home := customers.Address{Firstname: "Ann", Lastname: "Lee", Street: []string{"1 Main St", " "}, City: "Austin", RegionCode: "tx",
			Postcode: "78701", CountryCode: "us", Telephone: "555-0100", DefaultShipping: true}
		a, err := s.SaveAddress(ctx, ids[0], 0, home)
		if err != nil {
			t.Fatal(err)
		}
		if a.Region != "Texas" || a.RegionCode != "TX" || a.RegionID == 0 || a.CountryCode != "US" || len(a.Street) != 1 {
			t.Fatalf("saved: %+v", a)
		}
		work := home
		work.Street, work.City, work.RegionCode, work.RegionID = []string{"2 Elm"}, "Reno", "", 0
		work.Region = "Nevada"
		b, err := s.SaveAddress(ctx, ids[0], 0, work)
		if err != nil {
			t.Fatal(err)
		}
		book, err := s.Addresses(ctx, ids[0])
		if err != nil || len(book) != 2 || book[0].DefaultShipping || !book[1].DefaultShipping {
			t.Fatalf("one default shipping address: %+v %v", book, err)
		}
		for _, bad := range []customers.Address{{Firstname: "A", Lastname: "B", City: "C", CountryCode: "US", Telephone: "1"},
			{Firstname: "A", Lastname: "B", Street: []string{"s"}, City: "C", CountryCode: "ZZ", Telephone: "1"},
			{Firstname: "A", Lastname: "B", Street: []string{"s"}, City: "C", CountryCode: "US", Telephone: "1", Region: "Atlantis"}} {
			var ae customers.AddressError
			if _, err := s.SaveAddress(ctx, ids[0], 0, bad); !errors.As(err, &ae) {
				t.Fatalf("%+v: %v", bad, err)
			}
		}
		if _, err := s.SaveAddress(ctx, ids[1], a.ID, work); !errors.Is(err, customers.ErrAddressNotFound) {
			t.Fatalf("another customer's address changed: %v", err)
		}
		if err := s.DeleteAddress(ctx, ids[1], a.ID); !errors.Is(err, customers.ErrAddressNotFound) {
			t.Fatalf("another customer's address removed: %v", err)
		}
		var ae customers.AddressError
		if err := s.DeleteAddress(ctx, ids[0], b.ID); !errors.As(err, &ae) {
			t.Fatalf("the default address removed: %v", err)
		}
		if err := s.DeleteAddress(ctx, ids[0], a.ID); err != nil {
			t.Fatal(err)
		}
	})
}
