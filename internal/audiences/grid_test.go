package audiences_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

// seedGrid inserts n audiences, each on one or two of three websites, a fifth of them used by
// a rule.
func seedGrid(tb testing.TB, d *db.DB, n int) {
	tb.Helper()
	for _, code := range []string{"second", "third"} {
		d.Exec("INSERT INTO websites (code, name, is_default, sort_order, created_at, updated_at) VALUES (?, ?, FALSE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", code, "Website "+code)
	}
	words := []string{"abandoned cart", "frequent buyers", "runners", "yoga lovers", "vip", "holiday shoppers", "churn risk", "students"}
	origins := []string{"REAL_TIME_CUSTOMER_PROFILE", "CUSTOM_UPLOAD", "AUDIENCE_ORCHESTRATION"}
	now := time.Now().UTC()
	tx := d.Begin()
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s %d", words[i%len(words)], i)
		tx.Exec("INSERT INTO audiences (cdp_id, name, search_name, description, origin, lifecycle_state, status, upstream_updated_at, synced_at, created_at, updated_at) VALUES (?, ?, ?, '', ?, 'published', 'active', ?, ?, ?, ?)",
			fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i), name, name, origins[i%3], now.Add(-time.Duration(i)*time.Minute), now, now, now)
		tx.Exec("INSERT INTO audience_websites (audience_id, website_id) VALUES (?, ?)", i, 1+i%3)
		if i%2 == 0 {
			tx.Exec("INSERT INTO audience_websites (audience_id, website_id) VALUES (?, ?)", i, 1+(i+1)%3)
		}
		if i%5 == 0 {
			tx.Exec("INSERT INTO audience_usage (audience_id, kind, entity_id, entity_name) VALUES (?, 'rule', ?, ?)", i, i, fmt.Sprintf("Rule %d", i))
		}
	}
	if err := tx.Commit().Error; err != nil {
		tb.Fatal(err)
	}
	d.Exec("ANALYZE")
}

// gridSites are seedGrid's websites in display order, as the stores domain lists them.
var gridSites = []audiences.Website{{ID: 1, Name: "Main Website"}, {ID: 2, Name: "Website second"}, {ID: 3, Name: "Website third"}}

// TestGridWebsites: the Websites column names each audience's websites in the order given
// (display order), and sorting by it follows the first name alphabetically, though the
// audiences domain never reads the websites table.
func TestGridWebsites(t *testing.T) {
	d := dbtest.New(t)
	seedGrid(t, d, 6)
	q := audiences.NewStore(d)
	// Display order puts "Website third" first; alphabetically "Main Website" is first.
	sites := []audiences.Website{gridSites[2], gridSites[0], gridSites[1]}
	res, err := q.Grid(context.Background(), audiences.GridFilter{Websites: sites, Sort: audiences.SortWebsites, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, r.Name+": "+strings.Join(r.Websites, ", "))
	}
	// Audience i is on website 1+i%3, and even ones also on 1+(i+1)%3.
	// Ties (same first name) keep id order.
	want := []string{
		"runners 2: Website third, Main Website", "yoga lovers 3: Main Website", "churn risk 6: Main Website, Website second",
		"frequent buyers 1: Website second", "vip 4: Website third, Website second", "holiday shoppers 5: Website third"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("rows by website:\n got %q\nwant %q", got, want)
	}
	res, err = q.Grid(context.Background(), audiences.GridFilter{Websites: sites, Sort: audiences.SortWebsites, Desc: true, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows[0].Name != "holiday shoppers 5" || res.Rows[5].Name != "runners 2" {
		t.Fatalf("descending: %s first and %s last, want holiday shoppers 5 and runners 2", res.Rows[0].Name, res.Rows[5].Name)
	}
}

func TestQueryOn50kShape(t *testing.T) {
	d := dbtest.New(t)
	seedGrid(t, d, 500)
	q := audiences.NewStore(d)
	res, err := q.Grid(context.Background(), audiences.GridFilter{Websites: gridSites, Search: "cart", WebsiteID: 2, Sort: audiences.SortModified, Desc: true, Page: 2, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 500 || res.Matched == 0 || len(res.Rows) != 10 {
		t.Fatalf("total %d matched %d rows %d", res.Total, res.Matched, len(res.Rows))
	}
	for i := 1; i < len(res.Rows); i++ {
		if res.Rows[i].UpstreamUpdatedAt.After(*res.Rows[i-1].UpstreamUpdatedAt) {
			t.Fatal("not sorted newest first")
		}
	}
	for _, r := range res.Rows {
		if len(r.Websites) == 0 {
			t.Fatal("websites missing")
		}
	}
}

// BenchmarkGrid50k runs the audiences grid's search + filter + sort + page queries against
// 50,000 audiences and reports the 95th percentile (target ≤ 50 ms).
func BenchmarkGrid50k(b *testing.B) {
	d := dbtest.New(b)
	seedGrid(b, d, 50000)
	q := audiences.NewStore(d)
	filters := []audiences.GridFilter{
		{Search: "cart", Sort: audiences.SortModified, Desc: true, Page: 3},
		{Sort: audiences.SortName, Page: 100},
		{Search: "vip", WebsiteID: 2, Sort: audiences.SortWebsites, Page: 1},
		{Origin: "CUSTOM_UPLOAD", Sort: audiences.SortRules, Desc: true, Page: 2},
		{Search: "holiday shoppers 4", Sort: audiences.SortName, Page: 1},
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := filters[i%len(filters)]
		f.PerPage, f.Websites = 20, gridSites
		start := time.Now()
		if _, err := q.Grid(context.Background(), f); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
