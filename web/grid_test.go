package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/web"
)

// importProducts adds n products SKU-001… (name "Product i") plus extra CSV lines.
func importProducts(t *testing.T, a *app, n int, extra ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("sku,name,price,weight,categories,websites,attributes\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "SKU-%03d,Product %d,%d.50,1,Tees,base,color=blue\n", i, i, i)
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	if _, err := a.full.Catalog.Import(context.Background(), actorT(), strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, p page) [][]string {
	t.Helper()
	wantStatus(t, p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		// The cap's last line has one cell; the reader wants the same count on each line.
		r := csv.NewReader(strings.NewReader(p.body))
		r.FieldsPerRecord = -1
		if recs, err = r.ReadAll(); err != nil {
			t.Fatalf("not CSV: %v\n%s", err, p.body)
		}
	}
	return recs
}

// The page size is one of 20/50/100/200 (20 when absent or another number) and every link of
// the grid keeps it.
func TestGridPageSize(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	importProducts(t, a, 120)
	c := a.client()
	c.signIn("admin", "correct-horse-1")

	p := c.get("/admin/catalog")
	wantStatus(t, p, http.StatusOK)
	if n := p.testid("product-row").Length(); n != 20 {
		t.Fatalf("default page: %d rows, want 20", n)
	}
	if got := p.text(`[data-testid="page-size-current"]`); got != "20 per page" {
		t.Fatalf("page size shown %q", got)
	}
	fifty := p.testid("per-page-50").AttrOr("href", "")
	if fifty != "/admin/catalog?per_page=50" {
		t.Fatalf("50 per page link %q", fifty)
	}
	p = c.get(fifty)
	if n := p.testid("product-row").Length(); n != 50 || p.text(`[data-testid="pager-count"]`) != "1–50 of 120" {
		t.Fatalf("50 per page: %d rows, %q", n, p.text(`[data-testid="pager-count"]`))
	}
	next := p.testid("pager-next").AttrOr("href", "")
	if !strings.Contains(next, "per_page=50") || !strings.Contains(next, "page=2") {
		t.Fatalf("next link loses the page size: %q", next)
	}
	p = c.get(next)
	if p.text(`[data-testid="pager-count"]`) != "51–100 of 120" || p.doc.Find(`[data-testid="product-row"] td`).First().Text() != "SKU-051" {
		t.Fatalf("page 2 of 50: %q", p.text(`[data-testid="pager-count"]`))
	}
	// A search keeps the page size, and the page size links keep the search.
	p = c.get("/admin/catalog?q=Product+1&per_page=100")
	if href := p.testid("per-page-200").AttrOr("href", ""); !strings.Contains(href, "q=Product+1") || !strings.Contains(href, "per_page=200") {
		t.Fatalf("page size link loses the search: %q", href)
	}
	for _, bad := range []string{"37", "0", "-50", "100000", "x"} {
		if n := c.get("/admin/catalog?per_page=" + bad).testid("product-row").Length(); n != 20 {
			t.Errorf("per_page=%s: %d rows, want the default 20", bad, n)
		}
	}
	if n := c.get("/admin/catalog?per_page=200").testid("product-row").Length(); n != 120 {
		t.Fatalf("200 per page: %d rows", n)
	}
	// The export reads past one page of the domain's list (200 rows): every row, in order.
	importProducts(t, a, 450)
	recs := readCSV(t, c.get("/admin/catalog.csv"))
	if len(recs) != 451 || recs[1][0] != "SKU-001" || recs[200][0] != "SKU-200" || recs[201][0] != "SKU-201" || recs[450][0] != "SKU-450" {
		t.Fatalf("export of 450: %d lines", len(recs))
	}
}

// A column an admin hides disappears, stays hidden on their next visit (another browser
// too), and not for another admin; "Show all" brings it back.
func TestGridColumnChooserRemembered(t *testing.T) {
	a := newApp(t)
	a.createAdmin("anna", "correct-horse-1")
	a.createAdmin("bert", "correct-horse-1")
	importProducts(t, a, 3)
	anna := a.client()
	anna.signIn("anna", "correct-horse-1")
	p := anna.get("/admin/catalog?q=Product")
	if p.testid("th-weight").Length() != 1 || p.testid("column-weight").AttrOr("checked", "x") == "x" {
		t.Fatal("weight not shown (and ticked) at first")
	}
	cells := func(p page) int { return p.doc.Find(`[data-testid="product-row"]`).First().Find("td").Length() }
	if cells(p) != 7 {
		t.Fatalf("%d cells", cells(p))
	}
	form := p.doc.Find(`[data-testid="columns-chooser"] form`)
	if form.AttrOr("action", "") != "/admin/grids/products/columns" || form.Find(`input[name="back"]`).AttrOr("value", "") != "/admin/catalog?q=Product" {
		t.Fatalf("chooser form: %s %s", form.AttrOr("action", ""), form.Find(`input[name="back"]`).AttrOr("value", ""))
	}
	// Untick weight and attributes: the form sends the ticked ones.
	res := anna.post("/admin/grids/products/columns", url.Values{"back": {"/admin/catalog?q=Product"}, "show": {"name", "price", "categories", "websites"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/catalog?q=Product" {
		t.Fatalf("save: %d %q", res.status, res.header.Get("Location"))
	}
	p = anna.get("/admin/catalog")
	if p.testid("th-weight").Length() != 0 || p.testid("th-attributes").Length() != 0 || p.testid("th-price").Length() != 1 || cells(p) != 5 {
		t.Fatalf("hidden columns still shown (%d cells)", cells(p))
	}
	if _, ticked := p.testid("column-weight").Attr("checked"); ticked {
		t.Fatal("the chooser still ticks weight")
	}
	// Anna in another browser: remembered on the server.
	anna2 := a.client()
	anna2.signIn("anna", "correct-horse-1")
	if anna2.get("/admin/catalog").testid("th-weight").Length() != 0 {
		t.Fatal("not remembered in another browser")
	}
	bert := a.client()
	bert.signIn("bert", "correct-horse-1")
	if p := bert.get("/admin/catalog"); p.testid("th-weight").Length() != 1 || cells(p) != 7 {
		t.Fatal("bert sees anna's choice")
	}
	// The export follows the columns shown.
	recs := readCSV(t, anna.get("/admin/catalog.csv"))
	if strings.Join(recs[0], ",") != "sku,name,price,categories,websites" {
		t.Fatalf("export header with hidden columns: %v", recs[0])
	}
	// The return address stays on the grid: anything else sends back to the grid itself.
	for _, back := range []string{"https://evil.example/", "//evil.example/admin/catalog", "/admin/catalogue", "/admin/users"} {
		res := anna.post("/admin/grids/products/columns", url.Values{"back": {back}, "reset": {"1"}})
		if res.header.Get("Location") != "/admin/catalog" {
			t.Errorf("back=%q went to %q", back, res.header.Get("Location"))
		}
	}
	if p := anna.get("/admin/catalog"); p.testid("th-weight").Length() != 1 || cells(p) != 7 {
		t.Fatal("Show all did not bring the columns back")
	}
	if res := anna.post("/admin/grids/nope/columns", url.Values{"show": {"x"}}); res.status != http.StatusNotFound {
		t.Fatalf("unknown grid: %d", res.status)
	}
	// A role that may not read a grid may not set its columns either.
	a.createUser("editor", "correct-horse-1", auth.RoleContentEditor)
	ed := a.client()
	ed.signIn("editor", "correct-horse-1")
	ed.get("/admin")
	if res := ed.post("/admin/grids/orders/columns", url.Values{"show": {"date"}}); res.status != http.StatusForbidden {
		t.Fatalf("content editor set the orders grid's columns: %d", res.status)
	}
}

// The export holds every row the filters match (not only the page), a header line, and
// cells a spreadsheet would run as formulas made inert; past the cap a last line says so.
func TestGridCSVExport(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	importProducts(t, a, 30,
		`EVIL-1,"=HYPERLINK(""http://evil.example"",""x"")",1.00,1,Tees,base,`,
		`EVIL-2,+cmd|' /C calc'!A0,1.00,1,Tees,base,`,
		`EVIL-3,@SUM(1+1),1.00,1,Tees,base,`,
		`EVIL-4,-2+3,1.00,1,Tees,base,`)
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	p := c.get("/admin/catalog?q=product&per_page=20&page=2")
	href := p.testid("export-csv").AttrOr("href", "")
	if href != "/admin/catalog.csv?q=product" {
		t.Fatalf("export link %q (keeps the filters, not the page)", href)
	}
	res := c.get(href)
	if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="products.csv"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	recs := readCSV(t, res)
	if strings.Join(recs[0], ",") != "sku,name,price,weight,categories,websites,attributes" || len(recs) != 31 {
		t.Fatalf("%d lines, header %v", len(recs), recs[0])
	}
	if strings.Join(recs[1], ",") != "SKU-001,Product 1,1.50,1,Tees,base,color=blue" {
		t.Fatalf("first row %v", recs[1])
	}
	// The file is in the import's format: importing it again updates, creates nothing.
	if r, err := a.full.Catalog.Import(context.Background(), actorT(), strings.NewReader(res.body)); err != nil || r.Created != 0 || r.Updated != 30 {
		t.Fatalf("import of the export: %+v %v", r, err)
	}
	recs = readCSV(t, c.get("/admin/catalog.csv?q=evil"))
	want := map[string]string{"EVIL-1": `'=HYPERLINK("http://evil.example","x")`, "EVIL-2": "'+cmd|' /C calc'!A0", "EVIL-3": "'@SUM(1+1)", "EVIL-4": "'-2+3"}
	if len(recs) != 5 {
		t.Fatalf("evil rows: %v", recs)
	}
	for _, r := range recs[1:] {
		if r[1] != want[r[0]] {
			t.Errorf("%s: name cell %q, want %q", r[0], r[1], want[r[0]])
		}
	}
	// The cap: the first rows and a line that says how many were left out.
	defer web.SetCSVMaxRows(7)()
	res = c.get("/admin/catalog.csv?q=product")
	recs = readCSV(t, res)
	if len(recs) != 9 || recs[7][0] != "SKU-007" || !strings.Contains(recs[8][0], "Only the first 7 of 30 matching rows were exported") ||
		res.header.Get("X-Export-Truncated") != "23" {
		t.Fatalf("capped export: %d lines, last %v, header %q", len(recs), recs[len(recs)-1], res.header.Get("X-Export-Truncated"))
	}
}

// csvColumn is the cells of column name in an export (header first).
func csvColumn(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			var out []string
			for _, r := range recs[1:] {
				out = append(out, r[i])
			}
			return out
		}
	}
	t.Fatalf("no column %q in %v", name, recs[0])
	return nil
}

// Every grid has the bar (page size, chooser, export); its export follows its filters and
// the columns the admin shows, and formula-like text is made inert.
func TestEveryGridExports(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	a.createAdmin("admin", "correct-horse-1")
	number := placeGuestOrder(t, a, map[string]string{"aep-segments-membership": s.cdp[0]}, "ann@example.com", 3)
	placeGuestOrder(t, a, nil, "bob@example.com", 3)
	if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, GroupID: 1, Email: "eve@example.com", Firstname: "=1+2", Lastname: "Eve", Password: "correct-horse-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "+Banner", Enabled: true, Type: dynamicblocks.TypeContent, Content: "<p>x</p>"}); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.signIn("admin", "correct-horse-1")

	for _, g := range []struct {
		name, base, query, file string
		header                  string // the export's header with every column shown
		hide, hideLabel         string // a column to hide
		column, want            string // a cell of the filtered export
	}{
		{"orders", "/admin/sales/orders", "audience=" + url.QueryEscape(s.cdp[0]), "orders",
			"Order #,Purchase date,Customer,Store view,Shopper's audiences,Coupon,Cart price rules,Subtotal,Discount,Shipping,Grand total,Currency",
			"coupon", "Coupon", "Order #", number},
		{"customers", "/admin/customers", "q=eve", "customers", "ID,Email,Name,Group,Website,Since,Status", "group", "Group", "Name", "'=1+2 Eve"},
		{"products", "/admin/catalog", "q=TEE-1", "products", "sku,name,price,weight,categories,websites,attributes", "weight", "weight", "sku", "TEE-1"},
		{"price-rules", "/admin/price-rules", "q=runners&status=active", "cart-price-rules", "ID,Rule,Coupon Code,Priority,Status,Websites,From,To",
			"from", "From", "Rule", "Runners: buy 2 get 1"},
		{"dynamic-blocks", "/admin/dynamic-blocks", "q=banner", "dynamic-blocks", "ID,Dynamic Block,Type,Status,Audiences,Store Views",
			"audiences", "Audiences", "Dynamic Block", "'+Banner"},
		{"audiences", "/admin/audiences", "sort=name&q=" + url.QueryEscape(audienceNameOf(t, a, s.cdp[0])), "audiences",
			"Audience,Audience ID,Origin,Websites,Dynamic Blocks,Cart Price Rules,Last Modified,Status", "origin", "Origin", "Audience ID", s.cdp[0]},
	} {
		t.Run(g.name, func(t *testing.T) {
			p := c.get(g.base + "?" + g.query + "&per_page=50")
			wantStatus(t, p, http.StatusOK)
			if p.text(`[data-testid="page-size-current"]`) != "50 per page" {
				t.Fatalf("page size %q", p.text(`[data-testid="page-size-current"]`))
			}
			export := p.testid("export-csv").AttrOr("href", "")
			if !strings.HasPrefix(export, g.base+".csv?") || strings.Contains(export, "per_page") {
				t.Fatalf("export link %q", export)
			}
			res := c.get(export)
			if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="`+g.file+`.csv"` {
				t.Fatalf("Content-Disposition %q", cd)
			}
			recs := readCSV(t, res)
			if got := strings.Join(recs[0], ","); got != g.header {
				t.Fatalf("header\n got %s\nwant %s", got, g.header)
			}
			if cells := csvColumn(t, recs, g.column); len(cells) != 1 || cells[0] != g.want {
				t.Fatalf("%s cells %q, want just %q", g.column, cells, g.want)
			}
			// Hide a column: gone from the page's header and from the export.
			res = c.post("/admin/grids/"+g.name+"/columns", url.Values{"back": {g.base}, "show": {"nothing"}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("hide all: %d", res.status)
			}
			var show []string
			p = c.get(g.base)
			p.doc.Find(`[data-testid="columns-chooser"] input[name="show"]`).Each(func(_ int, in *goquery.Selection) {
				if v := in.AttrOr("value", ""); v != g.hide {
					show = append(show, v)
				}
			})
			if len(show) == 0 {
				t.Fatal("the chooser lists no columns")
			}
			c.post("/admin/grids/"+g.name+"/columns", url.Values{"back": {g.base}, "show": show})
			p = c.get(g.base)
			if strings.Contains(strings.ToLower(p.doc.Find("table.grid thead").Text()), strings.ToLower(g.hideLabel)) {
				t.Fatalf("%s still in the header: %q", g.hideLabel, p.doc.Find("table.grid thead").Text())
			}
			recs = readCSV(t, c.get(export))
			if slices.Contains(recs[0], g.hideLabel) || len(recs[0]) != strings.Count(g.header, ",") {
				t.Fatalf("export with %s hidden: %v", g.hide, recs[0])
			}
		})
	}
	// Orders: amounts are plain decimals beside the currency; a filter nothing matches gives
	// the header alone; a bad date is refused with the reason.
	c.post("/admin/grids/orders/columns", url.Values{"reset": {"1"}})
	recs := readCSV(t, c.get("/admin/sales/orders.csv?audience="+url.QueryEscape(s.cdp[0])))
	if csvColumn(t, recs, "Grand total")[0] != "65.00" || csvColumn(t, recs, "Discount")[0] != "25.00" || csvColumn(t, recs, "Currency")[0] != "USD" ||
		csvColumn(t, recs, "Customer")[0] != "ann@example.com (guest)" || csvColumn(t, recs, "Cart price rules")[0] != "Runners: buy 2 get 1" {
		t.Fatalf("order row %v", recs)
	}
	if recs := readCSV(t, c.get("/admin/sales/orders.csv")); len(recs) != 3 {
		t.Fatalf("all orders: %d lines", len(recs))
	}
	if recs := readCSV(t, c.get("/admin/sales/orders.csv?q=nobody")); len(recs) != 1 {
		t.Fatalf("no match: %v", recs)
	}
	p := c.get("/admin/sales/orders.csv?from=yesterday&q=ann")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/sales/orders?from=yesterday&q=ann" {
		t.Fatalf("bad date: %d %q", p.status, p.header.Get("Location"))
	}
	p = c.get(p.header.Get("Location"))
	if !strings.Contains(p.text(".flash-error"), "Nothing was exported: correct the filters first. Use a date such as 2026-11-28.") ||
		p.text(`[data-testid="error-from"]`) != "Use a date such as 2026-11-28." {
		t.Fatalf("bad date page: %q / %q", p.text(".flash-error"), p.text(`[data-testid="error-from"]`))
	}
}

func audienceNameOf(t *testing.T, a *app, cdp string) string {
	t.Helper()
	ctx := context.Background()
	local, err := a.full.Audiences.LocalIDs(ctx, []string{cdp})
	if err != nil {
		t.Fatal(err)
	}
	au, _, err := a.full.Audiences.Get(ctx, local[cdp])
	if err != nil {
		t.Fatal(err)
	}
	return au.Name
}
