package wiring_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/stores"
)

// Each domain's change marker (what WatchSnapshots compares to see another instance's
// changes) moves when that domain's data is changed through its own API, and stays put
// when nothing changed.
func TestEachDomainsChangeMarkerMoves(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := wiring.New(config.Settings{}, d, nil, []byte("0123456789abcdef0123456789abcdef"))
		who := audit.Actor{Username: "t"}
		for _, tc := range []struct {
			name   string
			marker func(context.Context) (string, error)
			change func() error
		}{
			{"configuration", a.StoreConfig.ChangeMarker, func() error {
				_, err := a.StoreConfig.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{config.PathFlatRatePrice: "7.00"}})
				return err
			}},
			{"catalog", a.Catalog.ChangeMarker, func() error {
				_, err := a.Catalog.Import(ctx, who, strings.NewReader("sku,name,price,weight,categories,websites,attributes\nTEE,Tee,25.00,0.2,Tees,base,\n"))
				return err
			}},
			{"store views", a.Stores.ChangeMarker, func() error {
				views, err := a.Stores.StoreViews(ctx)
				if err != nil {
					return err
				}
				v := views[0]
				v.Name += " (renamed)"
				_, err = a.Stores.SaveStoreView(ctx, who, stores.StoreView{ID: v.ID, WebsiteID: v.WebsiteID, Code: v.Code, Name: v.Name,
					Currency: v.Currency, Timezone: v.Timezone, IsActive: v.IsActive, IsDefault: v.IsDefault, SortOrder: v.SortOrder})
				return err
			}},
			{"audience membership (a successful sync)", a.Audiences.ChangeMarker, func() error {
				// A sync run needs the CDP; its record is what the marker reads.
				now := time.Now().UTC()
				return d.Exec("INSERT INTO sync_runs (trigger_kind, status, started_at, finished_at) VALUES ('test', 'succeeded', ?, ?)", now, now).Error
			}},
		} {
			before, err := tc.marker(ctx)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if again, _ := tc.marker(ctx); again != before {
				t.Fatalf("%s: the marker moved with no change (%q → %q)", tc.name, before, again)
			}
			time.Sleep(10 * time.Millisecond) // updated_at must be able to differ
			if err := tc.change(); err != nil {
				t.Fatalf("%s: change: %v", tc.name, err)
			}
			if after, err := tc.marker(ctx); err != nil || after == before {
				t.Errorf("%s: the marker did not move (%q, %v)", tc.name, after, err)
			}
		}
	})
}
