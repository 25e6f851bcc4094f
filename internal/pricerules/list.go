package pricerules

import (
	"context"
	"strings"

	"audienceactivation/internal/db"
)

// ListFilter selects a page of the rules grid.
type ListFilter struct {
	Search    string // name or coupon code
	Status    string // "active", "inactive" or ""
	WebsiteID int64
	Sort      string // id, name, coupon, priority, status, from, to
	Desc      bool
	Page      int
	PerPage   int
}

// ListRow is one rule in the grid.
type ListRow struct {
	ID         int64
	Name       string
	CouponCode string
	CouponType string
	Priority   int
	Active     bool
	FromDate   string
	ToDate     string
	Websites   []string // names, in display order
}

// WebsiteName is a website as the rules grid names it.
type WebsiteName struct {
	ID   int64
	Name string
}

var ruleSort = map[string]string{
	"id": "r.id", "name": "LOWER(r.name)", "coupon": "COALESCE(r.coupon_code, '')", "priority": "r.priority",
	"status": "r.is_active", "from": "r.from_date", "to": "r.to_date",
}

// ValidRuleSort reports whether col sorts the grid.
func ValidRuleSort(col string) bool { _, ok := ruleSort[col]; return ok }

// List returns a page of rules, the number matching and the number in all.
func (s *Service) List(ctx context.Context, f ListFilter) (rows []ListRow, matched, total int64, err error) {
	g := s.db.WithContext(ctx)
	if err = g.Raw("SELECT COUNT(*) FROM price_rules").Scan(&total).Error; err != nil {
		return
	}
	where := []string{"1 = 1"}
	var args []any
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		where = append(where, `(LOWER(r.name) LIKE ? ESCAPE '\' OR LOWER(COALESCE(r.coupon_code, '')) LIKE ? ESCAPE '\')`)
		args = append(args, "%"+db.EscapeLike(q)+"%", "%"+db.EscapeLike(q)+"%")
	}
	switch f.Status {
	case "active":
		where = append(where, "r.is_active = ?")
		args = append(args, true)
	case "inactive":
		where = append(where, "r.is_active = ?")
		args = append(args, false)
	}
	if f.WebsiteID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM price_rule_websites w WHERE w.rule_id = r.id AND w.website_id = ?)")
		args = append(args, f.WebsiteID)
	}
	cond := strings.Join(where, " AND ")
	if err = g.Raw("SELECT COUNT(*) FROM price_rules r WHERE "+cond, args...).Scan(&matched).Error; err != nil {
		return
	}
	order, ok := ruleSort[f.Sort]
	if !ok {
		order = ruleSort["id"]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 20
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var raw []struct {
		ID         int64
		Name       string
		CouponCode *string
		CouponType string
		Priority   int
		IsActive   bool
		FromDate   string
		ToDate     string
	}
	err = g.Raw("SELECT r.id, r.name, r.coupon_code, r.coupon_type, r.priority, r.is_active, r.from_date, r.to_date FROM price_rules r WHERE "+
		cond+" ORDER BY "+order+dir+", r.id"+dir+" LIMIT ? OFFSET ?", append(args, f.PerPage, (f.Page-1)*f.PerPage)...).Scan(&raw).Error
	if err != nil || len(raw) == 0 {
		return
	}
	ids := make([]int64, len(raw))
	pos := map[int64]int{}
	for i, r := range raw {
		row := ListRow{ID: r.ID, Name: r.Name, CouponType: r.CouponType, Priority: r.Priority, Active: r.IsActive, FromDate: r.FromDate, ToDate: r.ToDate}
		if r.CouponCode != nil {
			row.CouponCode = *r.CouponCode
		}
		rows = append(rows, row)
		ids[i] = r.ID
		pos[r.ID] = i
	}
	if s.WebsiteNames == nil {
		return
	}
	names, err := s.WebsiteNames(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	var sites []struct{ RuleID, WebsiteID int64 }
	if err = g.Raw("SELECT rule_id, website_id FROM price_rule_websites WHERE rule_id IN ?", ids).Scan(&sites).Error; err != nil {
		return
	}
	on := map[int64]map[int64]bool{}
	for _, st := range sites {
		if on[st.RuleID] == nil {
			on[st.RuleID] = map[int64]bool{}
		}
		on[st.RuleID][st.WebsiteID] = true
	}
	for i := range rows {
		for _, w := range names {
			if on[rows[i].ID][w.ID] {
				rows[i].Websites = append(rows[i].Websites, w.Name)
			}
		}
	}
	return
}
