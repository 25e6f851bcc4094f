package web

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/components"
)

// The page sizes a grid offers, as Magento's grids do; defaultPerPage when the query names
// none (or another number).
var gridPageSizes = []int{20, 50, 100, 200}

const defaultPerPage = 20

// csvMaxRows bounds a grid's CSV export: past it the file ends with a line that says how
// many rows were left out, so a huge store cannot make one request read everything. A
// variable so that tests can reach the cap without 10,000 records.
var csvMaxRows = 10_000

// csvFetchPage is the page size used to read a grid's rows for export: the most a domain
// list answers in one page.
const csvFetchPage = 200

// gridColumn is a column of an admin grid as the column chooser and the CSV export see it.
type gridColumn struct {
	key, label string
	csv        string // the export's header for it, when not the label
	fixed      bool   // the record's identity: always shown, not offered in the chooser
	csvOnly    bool   // only in the export (the currency beside plain amounts, say)
}

// gridDef describes one admin grid: where it lives, who may read it, which query keys are
// its filters and which columns it has.
type gridDef struct {
	name    string          // in the preference key and the chooser's address
	base    string          // the grid's address
	perm    auth.Permission // reading the grid (and exporting it)
	file    string          // the export's file name, without ".csv"
	keys    []string        // query keys links keep: filters, sort, dir, page
	columns []gridColumn
}

// gridDefs are the grids with a column chooser, by name; the chooser's form names one.
var gridDefs = map[string]*gridDef{}

func registerGrid(g *gridDef) *gridDef {
	gridDefs[g.name] = g
	return g
}

func (g *gridDef) prefKey() string { return "grid." + g.name + ".hidden" }

func (g *gridDef) optional(key string) bool {
	for _, col := range g.columns {
		if col.key == key {
			return !col.fixed && !col.csvOnly
		}
	}
	return false
}

// gridState is one request's view of a grid: page size, the admin's hidden columns and the
// links that keep its filters.
type gridState struct {
	def     *gridDef
	q       url.Values
	perPage int
	hidden  map[string]bool
	link    func(changes map[string]string) string
}

// perPageParam is the page size a query asks for, when it is one the grids offer.
func perPageParam(q url.Values) int {
	n, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || !slices.Contains(gridPageSizes, n) {
		return defaultPerPage
	}
	return n
}

// grid reads a grid's page size from the query and the signed-in admin's hidden columns
// from their preferences.
func (s *Server) grid(c echo.Context, def *gridDef) (gridState, error) {
	q := c.QueryParams()
	g := gridState{def: def, q: q, perPage: perPageParam(q), hidden: map[string]bool{},
		link: gridLinker(def.base, q, append(slices.Clone(def.keys), "per_page")...)}
	if g.perPage == defaultPerPage {
		g.q = cloneWithout(q, "per_page")
		g.link = gridLinker(def.base, g.q, append(slices.Clone(def.keys), "per_page")...)
	}
	val, _, err := s.deps.Auth.Preference(c.Request().Context(), currentAdmin(c).ID, def.prefKey())
	if err != nil {
		return g, err
	}
	for _, k := range strings.Split(val, ",") {
		if def.optional(k) {
			g.hidden[k] = true
		}
	}
	return g, nil
}

func cloneWithout(q url.Values, key string) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// show says whether a column is on the page (and in the export).
func (g gridState) show(key string) bool { return !g.hidden[key] }

// pager is the grid's pager for page of total matching (of all, when filters may hide some).
func (g gridState) pager(page int, total, of int64, noun string) components.PagerView {
	return withPageLinks(components.PagerView{Page: page, PerPage: g.perPage, Total: total, Of: of, Noun: noun}, g.link)
}

// exportURL is the grid's CSV address with the same filters and sort (not the page: the
// export holds every matching row).
func (g gridState) exportURL() string {
	u := url.Values{}
	for _, k := range g.def.keys {
		if v := g.q.Get(k); v != "" && k != "page" {
			u.Set(k, v)
		}
	}
	if e := u.Encode(); e != "" {
		return g.def.base + ".csv?" + e
	}
	return g.def.base + ".csv"
}

// tools is the grid's toolbar view: column chooser, export link and page sizes.
func (g gridState) tools(csrf string) components.GridTools {
	t := components.GridTools{Name: g.def.name, CSRF: csrf, ColumnsAction: "/admin/grids/" + g.def.name + "/columns",
		Back: g.link(nil), PerPage: g.perPage, Hidden: g.hidden, ExportURL: g.exportURL()}
	for _, col := range g.def.columns {
		if col.csvOnly {
			continue
		}
		if !col.fixed {
			t.Columns = append(t.Columns, components.Option{Value: col.key, Label: col.label, Selected: !g.hidden[col.key]})
		}
		if !g.hidden[col.key] {
			t.Visible++
		}
	}
	for _, n := range gridPageSizes {
		v := strconv.Itoa(n)
		if n == defaultPerPage {
			v = ""
		}
		t.PageSizes = append(t.PageSizes, components.PageSize{N: n, URL: g.link(map[string]string{"per_page": v, "page": ""}), Current: n == g.perPage})
	}
	return t
}

// gridColumnsSave stores which optional columns the signed-in admin wants to see in a grid
// and returns to the grid. Reading the grid is what it needs: the choice only changes how
// the grid looks to that admin.
func (s *Server) gridColumnsSave(c echo.Context) error {
	def, ok := gridDefs[c.Param("grid")]
	if !ok {
		return echo.ErrNotFound
	}
	u := currentAdmin(c)
	if !u.Can(def.perm) {
		return errForbidden
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	ctx := c.Request().Context()
	if form.Get("reset") != "" {
		if err := s.deps.Auth.DeletePreference(ctx, u.ID, def.prefKey()); err != nil {
			return err
		}
	} else {
		shown := form["show"]
		var hidden []string
		for _, col := range def.columns {
			if def.optional(col.key) && !slices.Contains(shown, col.key) {
				hidden = append(hidden, col.key)
			}
		}
		if err := s.deps.Auth.SetPreference(ctx, u.ID, def.prefKey(), strings.Join(hidden, ",")); err != nil {
			return err
		}
	}
	// Back to the grid as it was (filters, sort, page), never to another address.
	back := form.Get("back")
	if back != def.base && !strings.HasPrefix(back, def.base+"?") {
		back = def.base
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// exportRows reads every row a grid's filters match, page by page, up to csvMaxRows, and
// how many match in all.
func exportRows[T any](fetch func(page, perPage int) ([]T, int64, error)) ([]T, int64, error) {
	var out []T
	var matched int64
	for page := 1; len(out) < csvMaxRows; page++ {
		rows, n, err := fetch(page, csvFetchPage)
		if err != nil {
			return nil, 0, err
		}
		matched = n
		out = append(out, rows...)
		if len(rows) < csvFetchPage {
			break
		}
	}
	if len(out) > csvMaxRows {
		out = out[:csvMaxRows]
	}
	return out, max(matched, int64(len(out))), nil
}

// exportRefused answers an export whose filters do not make sense: back to the grid with the
// same filters, where each problem is shown beside its field, and a message saying that
// nothing was exported.
func (s *Server) exportRefused(c echo.Context, g gridState, errs map[string]string) error {
	msgs := slices.Sorted(maps.Values(errs))
	return s.redirectWithFlash(c, g.link(nil), flashError, "Nothing was exported: correct the filters first. "+strings.Join(slices.Compact(msgs), " "))
}

// writeGridCSV answers a grid's rows (cells by column key) as a CSV attachment: a header
// line of the column labels, then one line per row, with the columns the admin shows in
// the grid (and the export-only ones). Text a spreadsheet would read as a formula is made
// inert (csvSafe). When the cap cut the rows short, a last line says so.
func writeGridCSV(c echo.Context, g gridState, rows []map[string]string, matched int64) error {
	var cols []gridColumn
	for _, col := range g.def.columns {
		if col.csvOnly || g.show(col.key) {
			cols = append(cols, col)
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", g.def.file+".csv"))
	h.Set(echo.HeaderCacheControl, "no-store")
	if left := matched - int64(len(rows)); left > 0 {
		h.Set("X-Export-Truncated", strconv.FormatInt(left, 10))
	}
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	line := make([]string, len(cols))
	for i, col := range cols {
		line[i] = cmp.Or(col.csv, col.label)
	}
	w.Write(line)
	for _, r := range rows {
		for i, col := range cols {
			line[i] = validation.SpreadsheetSafe(r[col.key])
		}
		w.Write(line)
	}
	if left := matched - int64(len(rows)); left > 0 {
		w.Write([]string{fmt.Sprintf("Only the first %d of %d matching rows were exported; narrow the filters to export the other %d.", len(rows), matched, left)})
	}
	w.Flush()
	return w.Error()
}
