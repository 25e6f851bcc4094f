package audiences

// The Real-Time CDP Audiences grid: the audiences with their websites and the rules and
// blocks that use them, searched, filtered, sorted and paged in the database. Website names
// come from the caller (the stores domain owns the websites table), in display order.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

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

var gridOrder = map[string]string{
	SortName:     "a.search_name",
	SortOrigin:   "a.origin",
	SortStatus:   "a.status",
	SortModified: "a.upstream_updated_at",
	SortBlocks:   "(SELECT COUNT(*) FROM audience_usage u WHERE u.audience_id = a.id AND u.kind = 'block')",
	SortRules:    "(SELECT COUNT(*) FROM audience_usage u WHERE u.audience_id = a.id AND u.kind = 'rule')",
}

// ValidSort reports whether col is a sortable column of the grid.
func ValidSort(col string) bool { _, ok := gridOrder[col]; return ok || col == SortWebsites }

// Website is a website as the grid names it: the caller lists them in display order.
type Website struct {
	ID   int64
	Name string
}

// GridFilter selects one page of the grid.
type GridFilter struct {
	// Websites are every website in display order, for the Websites column and its sort.
	Websites     []Website
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

// GridUse is a rule or block using an audience.
type GridUse struct {
	ID   int64
	Name string
}

// GridRow is one audience in the grid.
type GridRow struct {
	ID                int64
	CDPID             string
	Name              string
	Description       string
	Origin            string
	Status            string
	UpstreamUpdatedAt *time.Time
	Websites          []string // names, in display order
	Rules             []GridUse
	Blocks            []GridUse
}

// GridPage is a page of rows with the number matching and the number in the store.
type GridPage struct {
	Rows    []GridRow
	Matched int64
	Total   int64
}

// Grid returns one page of the audiences grid.
func (s *Store) Grid(ctx context.Context, f GridFilter) (GridPage, error) {
	var res GridPage
	g := s.db.WithContext(ctx)
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
	expr, ok := gridOrder[f.Sort]
	if f.Sort == SortWebsites {
		expr, ok = websiteOrder(f.Websites), true
	}
	if !ok {
		expr = gridOrder[SortName]
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
	byID := make(map[int64]*GridRow, len(rows))
	res.Rows = make([]GridRow, len(rows))
	for i, r := range rows {
		res.Rows[i] = GridRow{ID: r.ID, CDPID: r.CDPID, Name: r.Name, Description: r.Description, Origin: r.Origin, Status: r.Status, UpstreamUpdatedAt: r.UpstreamUpdatedAt}
		ids[i] = r.ID
		byID[r.ID] = &res.Rows[i]
	}
	var sites []struct{ AudienceID, WebsiteID int64 }
	if err := g.Raw("SELECT audience_id, website_id FROM audience_websites WHERE audience_id IN ?", ids).Scan(&sites).Error; err != nil {
		return res, err
	}
	linked := map[int64]map[int64]bool{}
	for _, s := range sites {
		if linked[s.AudienceID] == nil {
			linked[s.AudienceID] = map[int64]bool{}
		}
		linked[s.AudienceID][s.WebsiteID] = true
	}
	for _, w := range f.Websites {
		for id, on := range linked {
			if on[w.ID] {
				byID[id].Websites = append(byID[id].Websites, w.Name)
			}
		}
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
			r.Rules = append(r.Rules, GridUse{u.EntityID, u.EntityName})
		} else {
			r.Blocks = append(r.Blocks, GridUse{u.EntityID, u.EntityName})
		}
	}
	return res, nil
}

// Origins lists the origins present, for the grid's filter.
func (s *Store) Origins(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw("SELECT DISTINCT origin FROM audiences ORDER BY origin").Scan(&out).Error
	return out, err
}

// websiteOrder is the SQL expression sorting audiences by the name of their first website
// in alphabetical order, without reading the websites table: each website id becomes its
// name's rank (an unknown website after the known ones). The ranks are numbers written here,
// never input.
func websiteOrder(websites []Website) string {
	if len(websites) == 0 {
		return "(SELECT MIN(aw.website_id) FROM audience_websites aw WHERE aw.audience_id = a.id)"
	}
	byName := slices.Clone(websites)
	slices.SortStableFunc(byName, func(x, y Website) int { return strings.Compare(x.Name, y.Name) })
	var b strings.Builder
	b.WriteString("(SELECT MIN(CASE aw.website_id")
	for i, w := range byName {
		b.WriteString(" WHEN " + strconv.FormatInt(w.ID, 10) + " THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(len(byName)) + " END) FROM audience_websites aw WHERE aw.audience_id = a.id)")
	return b.String()
}
