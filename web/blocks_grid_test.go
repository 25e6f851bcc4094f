package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/dynamicblocks"
)

// TestBlocksGridPagesSortsAndExports: the blocks grid through the router, past one export
// page (200 rows): a sorted page, a page past the end showing the last one, the Store Views
// column, and an export of every matching block in the grid's order.
func TestBlocksGridPagesSortsAndExports(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	ctx := context.Background()
	for i := 1; i <= 205; i++ {
		b := dynamicblocks.Block{Name: fmt.Sprintf("Banner %03d", i), Enabled: i%3 != 0, Type: dynamicblocks.TypeContent, Content: "<p>x</p>"}
		if _, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
		Rotation: dynamicblocks.RotateAll, StoreViewIDs: []int64{1}, Blocks: []dynamicblocks.PlacementBlock{{BlockID: 2}}}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	names := func(p page) []string {
		var out []string
		p.doc.Find(`[data-testid="block-name"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}

	p := c.get("/admin/dynamic-blocks?sort=name&dir=desc&per_page=50&page=2")
	wantStatus(t, p, http.StatusOK)
	if got := names(p); len(got) != 50 || got[0] != "Banner 155" || got[49] != "Banner 106" {
		t.Fatalf("page 2 by name, descending: %d rows %q … %q", len(got), got[0], got[len(got)-1])
	}
	if p.text(`[data-testid="pager-total"]`) != "205 of 205 blocks" || p.text(`[data-testid="pager-count"]`) != "51–100 of 205" {
		t.Fatalf("pager %q %q", p.text(`[data-testid="pager-total"]`), p.text(`[data-testid="pager-count"]`))
	}
	// Past the end (a filter narrowed, blocks were deleted): the last page.
	p = c.get("/admin/dynamic-blocks?status=disabled&page=99")
	wantStatus(t, p, http.StatusOK)
	if got := names(p); len(got) != 8 || got[0] != "Banner 183" || got[7] != "Banner 204" ||
		p.text(`[data-testid="pager-count"]`) != "61–68 of 68" || p.text(`[data-testid="pager-total"]`) != "68 of 205 blocks" {
		t.Fatalf("page past the end: %q, pager %q", got, p.text(`[data-testid="pager-count"]`))
	}
	p = c.get("/admin/dynamic-blocks?q=banner+00&sort=nonsense")
	stores := p.doc.Find(`[data-testid="block-store-views"]`)
	if got := names(p); len(got) != 9 || got[0] != "Banner 001" || stores.Eq(0).Text() != "Not placed" || stores.Eq(1).Text() != "Default Store View" {
		t.Fatalf("store views: %q %q", got, stores.Text())
	}

	recs := readCSV(t, c.get("/admin/dynamic-blocks.csv?sort=name&dir=desc"))
	col := csvColumn(t, recs, "Dynamic Block")
	if len(col) != 205 || col[0] != "Banner 205" || col[200] != "Banner 005" || col[204] != "Banner 001" {
		t.Fatalf("export: %d rows, %q … %q", len(col), col[0], col[len(col)-1])
	}
	for i, name := range col {
		if want := fmt.Sprintf("Banner %03d", 205-i); name != want {
			t.Fatalf("export row %d: %q, want %q", i, name, want)
		}
	}
	if st := csvColumn(t, recs, "Store Views"); st[203] != "Default Store View" || st[0] != "Not placed" {
		t.Fatalf("export store views %q %q", st[203], st[0])
	}
	recs = readCSV(t, c.get("/admin/dynamic-blocks.csv?status=disabled&q=BANNER"))
	if st := csvColumn(t, recs, "Status"); len(st) != 68 || strings.Join(st[:2], ",") != "Disabled,Disabled" {
		t.Fatalf("export of disabled blocks: %d rows", len(st))
	}
}
