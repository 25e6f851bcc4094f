package dashboard_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"audienceactivation/internal/dashboard"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// seed inserts n audiences, each on one or two of three websites, a fifth of them used by
// a rule.
func seed(tb testing.TB, d *db.DB, n int) {
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

func TestQueryOn50kShape(t *testing.T) {
	d := dbtest.New(t)
	seed(t, d, 500)
	q := dashboard.New(d)
	res, err := q.Audiences(context.Background(), dashboard.Filter{Search: "cart", WebsiteID: 2, Sort: dashboard.SortModified, Desc: true, Page: 2, PerPage: 10})
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

// BenchmarkDashboard50k runs the dashboard's search + filter + sort + page queries against
// 50,000 audiences and reports the 95th percentile (target ≤ 50 ms).
func BenchmarkDashboard50k(b *testing.B) {
	d := dbtest.New(b)
	seed(b, d, 50000)
	q := dashboard.New(d)
	filters := []dashboard.Filter{
		{Search: "cart", Sort: dashboard.SortModified, Desc: true, Page: 3},
		{Sort: dashboard.SortName, Page: 100},
		{Search: "vip", WebsiteID: 2, Sort: dashboard.SortWebsites, Page: 1},
		{Origin: "CUSTOM_UPLOAD", Sort: dashboard.SortRules, Desc: true, Page: 2},
		{Search: "holiday shoppers 4", Sort: dashboard.SortName, Page: 1},
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := filters[i%len(filters)]
		f.PerPage = 20
		start := time.Now()
		if _, err := q.Audiences(context.Background(), f); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
