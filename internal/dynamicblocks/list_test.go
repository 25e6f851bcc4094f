package dynamicblocks_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/stores"
)

func listIDs(rows []dynamicblocks.ListRow) []int64 {
	ids := []int64{}
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestListFiltersSortsAndPagesInSQL: the blocks grid's query on both databases — search by
// name in any case with LIKE's wildcards taken literally, type and status, each sort both
// ways with the id breaking ties in the same direction, and paging to and past the end.
func TestListFiltersSortsAndPagesInSQL(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := dynamicblocks.NewService(d, audit.NewLog(d), nil)
		for _, b := range []dynamicblocks.Block{
			{Name: "Alpha hero", Enabled: true, Type: dynamicblocks.TypeContent},    // 1
			{Name: "beta Banner", Enabled: false, Type: dynamicblocks.TypeHeader},   // 2
			{Name: "Gamma 100%_off", Enabled: true, Type: dynamicblocks.TypeFooter}, // 3
			{Name: "delta banner", Enabled: false, Type: dynamicblocks.TypeContent}, // 4
			{Name: "Epsilon 100 off", Enabled: true, Type: dynamicblocks.TypeAny},   // 5
		} {
			b.Content = "<p>x</p>"
			if _, _, err := s.SaveBlock(ctx, who, b); err != nil {
				t.Fatal(err)
			}
		}
		list := func(f dynamicblocks.ListFilter) ([]int64, int64) {
			t.Helper()
			rows, matched, total, err := s.List(ctx, f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 {
				t.Fatalf("%+v: total %d, want 5", f, total)
			}
			return listIDs(rows), matched
		}
		for _, c := range []struct {
			f    dynamicblocks.ListFilter
			want []int64
		}{
			{dynamicblocks.ListFilter{}, []int64{1, 2, 3, 4, 5}},
			{dynamicblocks.ListFilter{Search: "BANNER"}, []int64{2, 4}},
			{dynamicblocks.ListFilter{Search: "  banner "}, []int64{2, 4}},
			{dynamicblocks.ListFilter{Search: "100%"}, []int64{3}}, // not "100 off" too
			{dynamicblocks.ListFilter{Search: "%_"}, []int64{3}},
			{dynamicblocks.ListFilter{Search: "_"}, []int64{3}},
			{dynamicblocks.ListFilter{Search: "nothing like it"}, []int64{}},
			{dynamicblocks.ListFilter{Type: "content"}, []int64{1, 4}},
			{dynamicblocks.ListFilter{Type: "any"}, []int64{5}}, // the type "any", not every type
			{dynamicblocks.ListFilter{Type: "nonsense"}, []int64{}},
			{dynamicblocks.ListFilter{Status: "enabled"}, []int64{1, 3, 5}},
			{dynamicblocks.ListFilter{Status: "disabled"}, []int64{2, 4}},
			{dynamicblocks.ListFilter{Status: "whatever"}, []int64{1, 2, 3, 4, 5}},
			{dynamicblocks.ListFilter{Search: "banner", Status: "disabled", Type: "header"}, []int64{2}},
			{dynamicblocks.ListFilter{Search: "a", Status: "enabled", Sort: "name", Desc: true}, []int64{3, 1}},
		} {
			got, matched := list(c.f)
			if !slices.Equal(got, c.want) || matched != int64(len(c.want)) {
				t.Errorf("%+v: %v (%d matched), want %v", c.f, got, matched, c.want)
			}
		}
		// Each sort, ascending as given; descending exactly the reverse, since ties are
		// broken by the id in the sort's direction.
		for sort, want := range map[string][]int64{
			"":       {1, 2, 3, 4, 5},
			"bogus":  {1, 2, 3, 4, 5},
			"id":     {1, 2, 3, 4, 5},
			"name":   {1, 2, 4, 5, 3}, // alpha, beta, delta, epsilon, gamma: case does not count
			"type":   {5, 1, 4, 3, 2}, // any, content ×2, footer, header
			"status": {2, 4, 1, 3, 5}, // disabled first
		} {
			if got, _ := list(dynamicblocks.ListFilter{Sort: sort}); !slices.Equal(got, want) {
				t.Errorf("sort %q: %v, want %v", sort, got, want)
			}
			got, _ := list(dynamicblocks.ListFilter{Sort: sort, Desc: true})
			rev := slices.Clone(want)
			slices.Reverse(rev)
			if !slices.Equal(got, rev) {
				t.Errorf("sort %q desc: %v, want %v", sort, got, rev)
			}
		}
		for _, col := range []string{"id", "name", "type", "status"} {
			if !dynamicblocks.ValidBlockSort(col) {
				t.Errorf("%s does not sort", col)
			}
		}
		if dynamicblocks.ValidBlockSort("audiences") || dynamicblocks.ValidBlockSort("store_views") {
			t.Error("a column the SQL cannot sort by is offered as sortable")
		}
		// Pages of two, in the sort's order; past the end: no rows, the counts still right.
		for _, c := range []struct {
			page, perPage int
			want          []int64
		}{
			{1, 2, []int64{1, 2}}, {2, 2, []int64{4, 5}}, {3, 2, []int64{3}}, {4, 2, []int64{}}, {1_000_000, 2, []int64{}},
			{0, 2, []int64{1, 2}}, {-3, 2, []int64{1, 2}}, // before the first: the first
			{1, 0, []int64{1, 2, 4, 5, 3}}, {1, 500, []int64{1, 2, 4, 5, 3}}, // out of range: 20
		} {
			got, matched := list(dynamicblocks.ListFilter{Sort: "name", Page: c.page, PerPage: c.perPage})
			if !slices.Equal(got, c.want) || matched != 5 {
				t.Errorf("page %d of %d: %v (%d matched), want %v", c.page, c.perPage, got, matched, c.want)
			}
		}
		got, matched := list(dynamicblocks.ListFilter{Status: "enabled", Sort: "id", Desc: true, Page: 2, PerPage: 2})
		if !slices.Equal(got, []int64{1}) || matched != 3 {
			t.Errorf("filtered second page: %v (%d matched)", got, matched)
		}
	})
}

// TestListStoreViews: the grid's Store Views column, worked out for the page's blocks from
// the placements: a placement's store views or all of them, a cart-price-rule related
// placement's marked as such (for blocks related to a rule, of a type it takes), nothing for
// a block no placement can show; and the block's audiences.
func TestListStoreViews(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		sv, err := stores.NewService(d, audit.NewLog(d)).SaveStoreView(ctx, who, stores.StoreView{WebsiteID: 1, Code: "fr", Name: "French",
			Currency: "EUR", Timezone: "Europe/Paris", IsActive: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Exec("INSERT INTO price_rules (name, conditions, action_conditions, action, created_at, updated_at) VALUES ('Winter', '{}', '{}', 'by_percent', ?, ?)", now, now).Error; err != nil {
			t.Fatal(err)
		}
		if err := d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now).Error; err != nil {
			t.Fatal(err)
		}
		s := dynamicblocks.NewService(d, audit.NewLog(d), audiences.NewStore(d))
		block := func(name string, typ dynamicblocks.BlockType, rules, auds []int64) int64 {
			t.Helper()
			b, _, err := s.SaveBlock(ctx, who, dynamicblocks.Block{Name: name, Enabled: true, Type: typ, Content: "<p>x</p>", RuleIDs: rules, AudienceIDs: auds})
			if err != nil {
				t.Fatal(err)
			}
			return b.ID
		}
		placed := block("Placed", dynamicblocks.TypeContent, nil, []int64{1})
		unplaced := block("Unplaced", dynamicblocks.TypeContent, nil, nil)
		related := block("Related content", dynamicblocks.TypeContent, []int64{1}, nil)
		header := block("Related header", dynamicblocks.TypeHeader, []int64{1}, nil)
		listedOnly := block("Listed by a rule-related placement", dynamicblocks.TypeContent, nil, nil)
		place := func(title string, display dynamicblocks.DisplayMode, restrict dynamicblocks.BlockType, views []int64, blocks ...int64) {
			t.Helper()
			p := dynamicblocks.Placement{Title: title, Location: "home.hero", Display: display, Rotation: dynamicblocks.RotateAll, RestrictType: restrict, StoreViewIDs: views}
			for _, b := range blocks {
				p.Blocks = append(p.Blocks, dynamicblocks.PlacementBlock{BlockID: b})
			}
			if _, err := s.SavePlacement(ctx, who, p); err != nil {
				t.Fatal(err)
			}
		}
		place("French hero", dynamicblocks.DisplaySpecified, "", []int64{sv.ID}, placed)
		place("French and default", dynamicblocks.DisplaySpecified, "", []int64{1, sv.ID}, placed)
		place("Everywhere", dynamicblocks.DisplaySpecified, "", nil, placed)
		// A rule-related placement shows the blocks related to a rule, not the ones it lists.
		place("Rule blocks", dynamicblocks.DisplayRuleRelated, "", []int64{1}, listedOnly)
		place("Rule headers", dynamicblocks.DisplayRuleRelated, dynamicblocks.TypeHeader, nil)

		names := map[int64]string{1: "Default Store View", sv.ID: "French"}
		rows, matched, total, err := s.List(ctx, dynamicblocks.ListFilter{PerPage: 200}, names)
		if err != nil || matched != 5 || total != 5 {
			t.Fatalf("%v matched %d of %d: %v", listIDs(rows), matched, total, err)
		}
		want := map[int64][]string{
			placed:     {"All store views", "Default Store View", "French"},
			unplaced:   nil,
			related:    {"Default Store View (with its rules)"},
			header:     {"All store views (with its rules)", "Default Store View (with its rules)"},
			listedOnly: nil,
		}
		for _, r := range rows {
			if !slices.Equal(r.StoreViews, want[r.ID]) {
				t.Errorf("%s: store views %q, want %q", r.Name, r.StoreViews, want[r.ID])
			}
			if wantAud := r.ID == placed; wantAud != slices.Equal(r.AudienceIDs, []int64{1}) || !wantAud && len(r.AudienceIDs) != 0 {
				t.Errorf("%s: audiences %v", r.Name, r.AudienceIDs)
			}
			if r.ID == header && (r.Type != dynamicblocks.TypeHeader || !r.Enabled || r.Name != "Related header") {
				t.Errorf("row %+v", r)
			}
		}
		// Worked out for the page's blocks alone: the third by name is "Related content".
		rows, _, _, err = s.List(ctx, dynamicblocks.ListFilter{Sort: "name", Page: 3, PerPage: 1}, names)
		if err != nil || len(rows) != 1 || rows[0].ID != related || !slices.Equal(rows[0].StoreViews, want[related]) {
			t.Fatalf("page 3 of 1: %+v %v", rows, err)
		}
		rows, _, _, err = s.List(ctx, dynamicblocks.ListFilter{Search: "placed", Sort: "name"}, names)
		if err != nil || !slices.Equal(listIDs(rows), []int64{placed, unplaced}) || !slices.Equal(rows[0].StoreViews, want[placed]) || rows[1].StoreViews != nil {
			t.Fatalf("search placed: %+v %v", rows, err)
		}
		// A store view the caller does not name is still shown, by its id.
		rows, _, _, err = s.List(ctx, dynamicblocks.ListFilter{Search: "Placed", PerPage: 1}, map[int64]string{1: "Default Store View"})
		if err != nil || len(rows) != 1 || !slices.Contains(rows[0].StoreViews, fmt.Sprintf("Store view %d", sv.ID)) {
			t.Fatalf("unnamed store view: %+v %v", rows, err)
		}
	})
}

// TestListSearchesNamesInAnyCase: search and name sort fold case beyond ASCII on both
// databases (SQLite's LOWER does not), and follow a rename.
func TestListSearchesNamesInAnyCase(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := dynamicblocks.NewService(d, audit.NewLog(d), nil)
		save := func(b dynamicblocks.Block) dynamicblocks.Block {
			t.Helper()
			b.Type, b.Content = dynamicblocks.TypeContent, "<p>x</p>"
			saved, _, err := s.SaveBlock(ctx, who, b)
			if err != nil {
				t.Fatal(err)
			}
			return saved
		}
		ete := save(dynamicblocks.Block{Name: "Été à Paris"})
		oko := save(dynamicblocks.Block{Name: "ÖKO Woche"})
		spring := save(dynamicblocks.Block{Name: "Spring"})
		for q, want := range map[string][]int64{
			"été": {ete.ID}, "ÉTÉ À": {ete.ID}, "öko": {oko.ID}, "Öko woche": {oko.ID}, "WOCHE": {oko.ID}, "I": {ete.ID, spring.ID}, "ete": {},
		} {
			rows, matched, _, err := s.List(ctx, dynamicblocks.ListFilter{Search: q}, nil)
			if err != nil || !slices.Equal(listIDs(rows), want) || matched != int64(len(want)) {
				t.Errorf("search %q: %v (%d matched) %v, want %v", q, listIDs(rows), matched, err, want)
			}
		}
		spring.Name = "Autumn"
		save(spring)
		for q, want := range map[string][]int64{"spring": {}, "AUTUMN": {spring.ID}} {
			if rows, _, _, err := s.List(ctx, dynamicblocks.ListFilter{Search: q}, nil); err != nil || !slices.Equal(listIDs(rows), want) {
				t.Errorf("after the rename, search %q: %v %v, want %v", q, listIDs(rows), err, want)
			}
		}
	})
}
