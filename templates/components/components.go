package components

import (
	"fmt"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// PagerView is the state of a paged grid.
type PagerView struct {
	Page, PerPage    int
	Total            int64 // records matching
	Of               int64 // records in all, when filters may hide some (0: not shown)
	Noun             string
	PrevURL, NextURL string
}

// Count says how many match of how many there are, such as "52 of 52 audiences".
func (p PagerView) Count() string {
	return fmt.Sprintf("%d of %d %s", p.Total, p.Of, p.Noun)
}

// Pages is the number of pages, at least 1.
func (p PagerView) Pages() int {
	if p.PerPage <= 0 || p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// Summary says which records are shown, such as "51–52 of 52".
func (p PagerView) Summary() string {
	if p.Total == 0 {
		return "0 records"
	}
	from := int64((p.Page-1)*p.PerPage + 1)
	to := from + int64(p.PerPage) - 1
	if to > p.Total {
		to = p.Total
	}
	return fmt.Sprintf("%d–%d of %d", from, to, p.Total)
}

// Option is a choice of a select or a checkbox list.
type Option struct {
	Value, Label string
	Selected     bool
}

// Column is a sortable grid header.
type Column struct {
	Key, Label, SortURL string
	Active, Desc        bool
}

// GridTools is a grid's toolbar: the column chooser, the CSV export and the page size.
type GridTools struct {
	Name                string // the grid, for the chooser's test ids
	CSRF                string
	ColumnsAction, Back string   // where the chooser posts, and the grid to return to
	Columns             []Option // the optional columns; Selected: shown
	Hidden              map[string]bool
	Visible             int // columns shown, for an empty grid's colspan
	PerPage             int
	PageSizes           []PageSize
	ExportURL           string
}

// Show says whether the grid shows the column key.
func (t GridTools) Show(key string) bool { return !t.Hidden[key] }

// Colspan is the number of columns shown plus extra (a checkbox column, say), for a cell
// that spans the grid.
func (t GridTools) Colspan(extra int) string { return strconv.Itoa(t.Visible + extra) }

// PageSize is a page size a grid offers, with the link that shows it.
type PageSize struct {
	N       int
	URL     string
	Current bool
}
