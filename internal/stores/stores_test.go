package stores_test

import (
	"context"
	"errors"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestStoreViewDefaults(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		who := audit.Actor{Username: "t"}
		s := stores.NewService(d, audit.NewLog(d))
		base, err := s.WebsiteByCode(ctx, "base")
		if err != nil {
			t.Fatal(err)
		}
		fr, err := s.SaveStoreView(ctx, who, stores.StoreView{WebsiteID: base.ID, Code: "fr", Name: "French", Currency: "EUR", Timezone: "Europe/Paris", IsActive: true, IsDefault: true})
		if err != nil {
			t.Fatal(err)
		}
		views, _ := s.StoreViews(ctx)
		defaults := 0
		for _, v := range views {
			if v.IsDefault {
				defaults++
				if v.ID != fr.ID {
					t.Fatalf("default is %s", v.Code)
				}
			}
		}
		if defaults != 1 {
			t.Fatalf("%d defaults", defaults)
		}
		fr.IsDefault = false
		var ve validation.Errors
		if _, err := s.SaveStoreView(ctx, who, fr); !errors.As(err, &ve) || ve["is_default"] == "" {
			t.Fatalf("removing the only default: %v", err)
		}
		_, err = s.SaveStoreView(ctx, who, stores.StoreView{WebsiteID: base.ID, Code: "fr", Name: "Dup", Currency: "EUR", Timezone: "UTC", IsActive: true})
		if !errors.As(err, &ve) || ve["code"] == "" {
			t.Fatalf("duplicate code: %v", err)
		}
		w, err := s.SaveWebsite(ctx, who, stores.Website{Code: "outlet", Name: "Outlet"})
		if err != nil {
			t.Fatal(err)
		}
		w.Code, w.Name = "changed", "Outlet 2"
		w, _ = s.SaveWebsite(ctx, who, w)
		if w.Code != "outlet" || w.Name != "Outlet 2" {
			t.Fatalf("website code changed or name not: %+v", w)
		}
	})
}
