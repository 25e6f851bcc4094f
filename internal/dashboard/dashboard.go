// Package dashboard answers the Real-Time CDP Audiences dashboard: the audiences with their
// websites and the rules and blocks that use them, searched, filtered, sorted and paged in
// the database.
package dashboard

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
)

// Sort columns.
const (
	SortName     = "name"
	SortOrigin   = "origin"
	SortWebsites = "websites"
	SortBlocks   = "blocks"
	SortRules    = "rules"
	SortModified = "modified"
	SortStatus   = "status"
)

var orderExpr = map[string]string{
	SortName:     "a.search_name",
	SortOrigin:   "a.origin",
	SortStatus:   "a.status",
	SortModified: "a.upstream_updated_at",
	SortWebsites: "(SELECT MIN(w.name) FROM audience_websites aw JOIN websites w ON w.id = aw.website_id WHERE aw.audience_id = a.id)",
	SortBlocks:   "(SELECT COUNT(*) FROM audience_usage u WHERE u.audience_id = a.id AND u.kind = 'block')",
	SortRules:    "(SELECT COUNT(*) FROM audience_usage u WHERE u.audience_id = a.id AND u.kind = 'rule')",
}

// ValidSort reports whether col is a sortable column.
func ValidSort(col string) bool { _, ok := orderExpr[col]; return ok }

// Filter selects one page of the dashboard.
type Filter struct {
	Search       string
	WebsiteID    int64
	Origin       string
	Status       string
	ModifiedFrom time.Time // inclusive; zero: open
	ModifiedTo   time.Time // exclusive; zero: open
	Sort         string
	Desc         bool
	Page         int // 1-based
	PerPage      int
}

// Usage is a rule or block using an audience.
type Usage struct {
	ID   int64
	Name string
}

// Row is one audience in the grid.
type Row struct {
	ID                int64
	CDPID             string
	Name              string
	Description       string
	Origin            string
	Status            string
	UpstreamUpdatedAt *time.Time
	Websites          []string
	Rules             []Usage
	Blocks            []Usage
}

// Result is a page of rows with the number matching and the number in the store.
type Result struct {
	Rows    []Row
	Matched int64
	Total   int64
}

// Query runs dashboard queries.
type Query struct{ db *gorm.DB }

// New returns a Query on d.
func New(d *db.DB) *Query { return &Query{db: d.DB} }

// Audiences returns one page.
func (q *Query) Audiences(ctx context.Context, f Filter) (Result, error) {
	var res Result
	g := q.db.WithContext(ctx)
	if err := g.Raw("SELECT COUNT(*) FROM audiences").Scan(&res.Total).Error; err != nil {
		return res, err
	}
	where := []string{"1 = 1"}
	var args []any
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		where = append(where, "a.search_name LIKE ? ESCAPE '\\'")
		args = append(args, "%"+db.EscapeLike(s)+"%")
	}
	if f.WebsiteID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM audience_websites aw WHERE aw.audience_id = a.id AND aw.website_id = ?)")
		args = append(args, f.WebsiteID)
	}
	if f.Origin != "" {
		where = append(where, "a.origin = ?")
		args = append(args, f.Origin)
	}
	if f.Status != "" {
		where = append(where, "a.status = ?")
		args = append(args, f.Status)
	}
	if !f.ModifiedFrom.IsZero() {
		where = append(where, "a.upstream_updated_at >= ?")
		args = append(args, f.ModifiedFrom)
	}
	if !f.ModifiedTo.IsZero() {
		where = append(where, "a.upstream_updated_at < ?")
		args = append(args, f.ModifiedTo)
	}
	cond := strings.Join(where, " AND ")
	if err := g.Raw("SELECT COUNT(*) FROM audiences a WHERE "+cond, args...).Scan(&res.Matched).Error; err != nil {
		return res, err
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 20
	}
	if f.Page < 1 {
		f.Page = 1
	}
	expr, ok := orderExpr[f.Sort]
	if !ok {
		expr = orderExpr[SortName]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	// Audiences without a value sort last either way; ties keep a stable order by id.
	order := "(" + expr + ") IS NULL, " + expr + dir + ", a.id" + dir
	var rows []struct {
		ID                int64
		CDPID             string `gorm:"column:cdp_id"`
		Name              string
		Description       string
		Origin            string
		Status            string
		UpstreamUpdatedAt *time.Time
	}
	err := g.Raw("SELECT a.id, a.cdp_id, a.name, a.description, a.origin, a.status, a.upstream_updated_at FROM audiences a WHERE "+
		cond+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, f.PerPage, (f.Page-1)*f.PerPage)...).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return res, err
	}
	ids := make([]int64, len(rows))
	byID := make(map[int64]*Row, len(rows))
	res.Rows = make([]Row, len(rows))
	for i, r := range rows {
		res.Rows[i] = Row{ID: r.ID, CDPID: r.CDPID, Name: r.Name, Description: r.Description, Origin: r.Origin, Status: r.Status, UpstreamUpdatedAt: r.UpstreamUpdatedAt}
		ids[i] = r.ID
		byID[r.ID] = &res.Rows[i]
	}
	var sites []struct {
		AudienceID int64
		Name       string
	}
	if err := g.Raw("SELECT aw.audience_id, w.name FROM audience_websites aw JOIN websites w ON w.id = aw.website_id WHERE aw.audience_id IN ? ORDER BY w.sort_order, w.name", ids).Scan(&sites).Error; err != nil {
		return res, err
	}
	for _, s := range sites {
		byID[s.AudienceID].Websites = append(byID[s.AudienceID].Websites, s.Name)
	}
	var uses []struct {
		AudienceID int64
		Kind       string
		EntityID   int64
		EntityName string
	}
	if err := g.Raw("SELECT audience_id, kind, entity_id, entity_name FROM audience_usage WHERE audience_id IN ? ORDER BY entity_name", ids).Scan(&uses).Error; err != nil {
		return res, err
	}
	for _, u := range uses {
		r := byID[u.AudienceID]
		if u.Kind == "rule" {
			r.Rules = append(r.Rules, Usage{u.EntityID, u.EntityName})
		} else {
			r.Blocks = append(r.Blocks, Usage{u.EntityID, u.EntityName})
		}
	}
	return res, nil
}

// Origins lists the origins present, for the filter.
func (q *Query) Origins(ctx context.Context) ([]string, error) {
	var out []string
	err := q.db.WithContext(ctx).Raw("SELECT DISTINCT origin FROM audiences ORDER BY origin").Scan(&out).Error
	return out, err
}
