package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/stores"
)

const dsSecond = "11111111-2222-3333-4444-555555555555"

// withCDP starts an emulator with 52 audiences — 1–40 activated to the Main Website, 31–52
// to a Second Website — and configures the store to reach it.
func withCDP(t *testing.T, a *app) (*cdpemu.Emulator, []string) {
	t.Helper()
	ctx := context.Background()
	emu := cdpemu.New("abcdef0123456789abcdef0123456789", clientSecret, "ABCDEF0123456789ABCDEF01@AdobeOrg", "prod")
	t.Cleanup(emu.Close)
	ids := emu.Seed(52)
	emu.Activate(emu.AddDestination(datastream), ids[:40]...)
	emu.Activate(emu.AddDestination(dsSecond), ids[30:]...)
	who := audit.Actor{Username: "test"}
	second, err := a.full.Stores.SaveWebsite(ctx, who, stores.Website{Code: "second", Name: "Second Website"})
	if err != nil {
		t.Fatal(err)
	}
	configureCDP(t, a, emu.URL(), emu.ClientSecret)
	for site, ds := range map[int64]string{1: datastream, second.ID: dsSecond} {
		if _, err := a.full.StoreConfig.Save(ctx, who, config.Website(site), config.Submission{Values: map[string]string{config.PathDatastreamID: ds}}); err != nil {
			t.Fatal(err)
		}
	}
	return emu, ids
}

func configureCDP(t *testing.T, a *app, baseURL, secret string) {
	t.Helper()
	_, err := a.full.StoreConfig.Save(context.Background(), audit.Actor{Username: "test"}, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPClientID: "abcdef0123456789abcdef0123456789", config.PathCDPClientSecret: secret,
		config.PathCDPOrgID: "ABCDEF0123456789ABCDEF01@AdobeOrg", config.PathCDPSandbox: "prod",
		config.PathCDPIMSURL: baseURL, config.PathCDPPlatformURL: baseURL,
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func rowNames(p page) []string {
	var names []string
	p.doc.Find(`[data-testid="audience-name"]`).Each(func(_ int, s *goquery.Selection) { names = append(names, s.Text()) })
	return names
}

func TestAudiencesUnconfiguredShowsHowToConnect(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/audiences")
	wantStatus(t, p, http.StatusOK)
	if p.testid("audiences-unconfigured").Find(`a[href="/admin/config/services#audiences"]`).Length() != 1 {
		t.Fatal("no friendly empty state linking to the configuration")
	}
}

func TestAudiencesDashboard(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	p := c.get("/admin/audiences")
	if p.text(`[data-testid="sync-updated"]`) != "Not synced yet." {
		t.Fatalf("before the first sync: %q", p.text(`[data-testid="sync-updated"]`))
	}
	p = c.post("/admin/audiences/sync", nil)
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/audiences")
	if msg := p.text(`[data-testid="flash-info"]`); !strings.Contains(msg, "The sync started") {
		t.Fatalf("Sync now without JavaScript: %q", msg)
	}
	c.waitForSync()
	p = c.get("/admin/audiences")
	if msg := p.text(`[data-testid="sync-result"]`); !strings.Contains(msg, "52 added") {
		t.Fatalf("sync result %q", msg)
	}
	if !strings.HasPrefix(p.text(`[data-testid="sync-updated"]`), "Updated today, ") {
		t.Fatalf("updated line %q", p.text(`[data-testid="sync-updated"]`))
	}
	if got := p.testid("pager-total").First().Text(); got != "52 of 52 audiences" {
		t.Fatalf("count %q", got)
	}
	if n := p.testid("audience-row").Length(); n != 20 {
		t.Fatalf("page 1 has %d rows", n)
	}
	names := rowNames(p)
	if names[0] != "Abandoned cart" || names[1] != "Asia Pacific" {
		t.Fatalf("default sort by name: %v", names[:3])
	}
	// Page 3 has the last 12.
	p = c.get("/admin/audiences?page=3")
	if n := p.testid("audience-row").Length(); n != 12 || p.testid("pager-count").First().Text() != "41–52 of 52" {
		t.Fatalf("page 3: %d rows, %q", n, p.testid("pager-count").First().Text())
	}
	// A page past the end goes to the last page.
	if p := c.get("/admin/audiences?page=99&q=a"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/audiences?page=2&q=a" {
		t.Fatalf("page 99: %d %s", p.status, p.header.Get("Location"))
	}
	// Search.
	p = c.get("/admin/audiences?q=CART")
	for _, n := range rowNames(p) {
		if !strings.Contains(strings.ToLower(n), "cart") {
			t.Fatalf("search for cart returned %q", n)
		}
	}
	if len(rowNames(p)) != 2 || p.testid("pager-total").First().Text() != "2 of 52 audiences" {
		t.Fatalf("search: %v", rowNames(p))
	}
	// Sort by last modified, ascending then descending (seeded 7 hours apart, newest first).
	p = c.get("/admin/audiences?sort=modified")
	if rowNames(p)[0] != "Lookalike: top customers" {
		t.Fatalf("oldest first: %v", rowNames(p)[:2])
	}
	href, _ := p.testid("sort-modified").Attr("href")
	if !strings.Contains(href, "dir=desc") {
		t.Fatalf("active column's link does not flip the direction: %s", href)
	}
	if p = c.get(href); rowNames(p)[0] != "Abandoned cart" {
		t.Fatalf("newest first: %v", rowNames(p)[:2])
	}
	for _, col := range []string{"name", "origin", "websites", "blocks", "rules", "modified", "status"} {
		for _, dir := range []string{"", "desc"} {
			if p := c.get("/admin/audiences?sort=" + col + "&dir=" + dir); p.status != http.StatusOK || p.testid("audience-row").Length() != 20 {
				t.Fatalf("sort %s %s: %d", col, dir, p.status)
			}
		}
	}
	// Filter by website: 22 on the second website.
	p = c.get("/admin/audiences?website=second")
	if got := p.testid("pager-total").First().Text(); got != "22 of 52 audiences" {
		t.Fatalf("website filter %q", got)
	}
	p.testid("audience-websites").Each(func(_ int, s *goquery.Selection) {
		if !strings.Contains(s.Text(), "Second Website") {
			t.Errorf("row without the filtered website: %q", s.Text())
		}
	})
	// Origin, status and date filters.
	if got := c.get("/admin/audiences?origin=CUSTOM_UPLOAD").testid("pager-total").First().Text(); got != "10 of 52 audiences" {
		t.Fatalf("origin filter %q", got)
	}
	if got := c.get("/admin/audiences?status=gone").testid("pager-total").First().Text(); got != "0 of 52 audiences" {
		t.Fatalf("status filter %q", got)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if got := c.get("/admin/audiences?from=" + today + "&to=" + today).testid("pager-total").First().Text(); got == "52 of 52 audiences" || got == "0 of 52 audiences" {
		t.Fatalf("date filter matched %q", got)
	}
	if p := c.get("/admin/audiences?from=yesterday"); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-from"]`) == "" {
		t.Fatal("bad date accepted")
	}
	// Filters survive paging links.
	p = c.get("/admin/audiences?website=base&sort=modified&dir=desc")
	next, _ := p.testid("pager-next").First().Attr("href")
	if !strings.Contains(next, "website=base") || !strings.Contains(next, "sort=modified") || !strings.Contains(next, "page=2") {
		t.Fatalf("next link loses filters: %s", next)
	}
}

func TestAudiencePageAndUsageWarning(t *testing.T) {
	a, c := signedIn(t)
	emu, ids := withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	var id int64
	a.db.Raw("SELECT id FROM audiences WHERE cdp_id = ?", ids[35]).Scan(&id)
	p := c.get("/admin/audiences/" + itoa(id))
	wantStatus(t, p, http.StatusOK)
	if p.text(`[data-testid="audience-cdp-id"]`) != ids[35] || p.text(`[data-testid="audience-websites"]`) != "Main Website, Second Website" ||
		p.text(`[data-testid="audience-status"]`) != "Active" {
		t.Fatalf("details: %q", p.text(`[data-testid="audience-details"]`))
	}
	if !strings.Contains(p.text(`[data-testid="used-by"]`), "No cart price rule or dynamic block") {
		t.Fatal("used-by empty state missing")
	}
	// A rule uses it; then it leaves the CDP: the dashboard and the page warn.
	a.db.Exec("INSERT INTO audience_usage (audience_id, kind, entity_id, entity_name) VALUES (?, 'rule', 7, 'Buy 2 get 1 free')", id)
	emu.RemoveAudience(ids[35])
	c.get("/admin/audiences")
	c.syncAudiences()
	p = c.get("/admin/audiences/" + itoa(id))
	if !strings.Contains(p.text(`[data-testid="audience-warning"]`), "removed from the CDP") || p.text(`[data-testid="audience-status"]`) != "Removed from the CDP" {
		t.Fatalf("no warning: %q", p.text("main"))
	}
	p = c.get("/admin/audiences?status=gone")
	if !strings.Contains(p.text(`[data-testid="audience-warning"]`), "Used by 1 rule") || !strings.Contains(p.testid("audiences-grid").Text(), "Buy 2 get 1 free") {
		t.Fatalf("grid warning/usage: %q", p.testid("audiences-grid").Text())
	}
	wantStatus(t, c.get("/admin/audiences/99999"), http.StatusNotFound)
}

func TestSyncFailureShowsBannerAndKeepsAudiences(t *testing.T) {
	a, c := signedIn(t)
	emu, _ := withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	emu.SetFault(cdpemu.Fault{Kind: cdpemu.ServerError})
	c.syncAudiences()
	p := c.get("/admin/audiences")
	if banner := p.text(`[data-testid="sync-error"]`); !strings.Contains(banner, "HTTP 500") || !strings.Contains(banner, "last successful sync") {
		t.Fatalf("banner %q", banner)
	}
	if got := p.testid("pager-total").First().Text(); got != "52 of 52 audiences" {
		t.Fatalf("the last good set was lost: %q", got)
	}
	emu.SetFault(cdpemu.Fault{})
	c.syncAudiences()
	if p := c.get("/admin/audiences"); p.testid("sync-error").Length() != 0 {
		t.Fatal("banner stays after a good sync")
	}
}

func TestSyncNowWithHTMXPollsUntilDone(t *testing.T) {
	a, c := signedIn(t)
	emu, _ := withCDP(t, a)
	emu.SetFault(cdpemu.Fault{Kind: cdpemu.Slow, Delay: 600 * time.Millisecond, Times: 1})
	c.get("/admin/audiences")
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/admin/audiences/sync", strings.NewReader(url.Values{"_csrf": {c.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	p := c.do(req)
	wantStatus(t, p, http.StatusOK)
	if poll, _ := p.testid("sync-status").Attr("hx-get"); poll == "" || !strings.Contains(p.text(`[data-testid="sync-updated"]`), "Sync in progress") {
		t.Fatalf("no progress fragment: %s", p.body)
	}
	// A second press while it runs changes nothing and still shows progress.
	if p2 := c.do(mustReq(t, req, c)); !strings.Contains(p2.text(`[data-testid="sync-updated"]`), "in progress") {
		t.Fatal("second press")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p = c.get("/admin/audiences/sync-status?was=running")
		if p.header.Get("HX-Trigger") == "audiences-synced" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sync never finished")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(p.text(`[data-testid="sync-result"]`), "52 added") {
		t.Fatalf("result %q", p.text(`[data-testid="sync-result"]`))
	}
}

// syncAudiences presses "Sync now" as a browser without JavaScript does and waits for the
// sync to end.
func (c *client) syncAudiences() {
	c.t.Helper()
	wantStatus(c.t, c.post("/admin/audiences/sync", nil), http.StatusSeeOther)
	c.waitForSync()
}

// waitForSync waits until no sync runs, reading the status box as the page polls it.
func (c *client) waitForSync() {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := c.get("/admin/audiences/sync-status")
		if _, polling := p.testid("sync-status").Attr("hx-get"); !polling {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatal("the sync never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustReq(t *testing.T, r *http.Request, c *client) *http.Request {
	req, _ := http.NewRequest(r.Method, r.URL.String(), strings.NewReader(url.Values{"_csrf": {c.csrf}}.Encode()))
	req.Header = r.Header.Clone()
	return req
}

func TestAudienceChooserKeepsChoicesAcrossPages(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	p := c.get("/admin/audiences/chooser?field=audience_ids&page=1&audience_ids=1&audience_ids=50")
	wantStatus(t, p, http.StatusOK)
	if n := p.testid("chooser-row").Length(); n != 10 {
		t.Fatalf("%d rows", n)
	}
	if p.doc.Find(`input[type=checkbox][name=audience_ids][value="1"]`).AttrOr("checked", "none") == "none" {
		t.Fatal("chosen audience on this page not checked")
	}
	// A chosen audience on another page is a ticked box here, so it can be unticked.
	if p.doc.Find(`[data-testid="chosen-elsewhere-audience_ids"] input[type=checkbox][name=audience_ids][value="50"][checked]`).Length() != 1 {
		t.Fatal("chosen audience on another page dropped")
	}
	p = c.get("/admin/audiences/chooser?field=audience_ids&chooser_q=runner")
	if n := p.testid("chooser-row").Length(); n != 2 { // "Runners" and "Runners 2"? only seeded once: check content
		if n != 1 || !strings.Contains(p.testid("chooser-row").Text(), "Runners") {
			t.Fatalf("search rows %d: %q", n, p.testid("chooser-row").Text())
		}
	}
	// A hostile field name is not reflected.
	if p := c.get(`/admin/audiences/chooser?field="><script>`); strings.Contains(p.body, "<script>") {
		t.Fatal("field name reflected")
	}
}

func TestTestConnection(t *testing.T) {
	a, c := signedIn(t)
	emu, _ := withCDP(t, a)
	c.get("/admin/config/services")
	check := func(wantStep, wantSays string) page {
		t.Helper()
		p := c.post("/admin/config/services/test-connection", nil)
		wantStatus(t, p, http.StatusOK)
		failed := p.testid("step-failed")
		switch {
		case wantStep == "" && (failed.Length() != 0 || p.testid("step-ok").Length() != 6):
			t.Fatalf("want every step OK: %q", p.text(`[data-testid="connection-report"]`))
		case wantStep != "" && (failed.Length() != 1 || !strings.Contains(failed.Text(), wantStep) || !strings.Contains(failed.Text(), wantSays)):
			t.Fatalf("failed step %q, want %q saying %q", failed.Text(), wantStep, wantSays)
		}
		if strings.Contains(p.body, "dial tcp") || strings.Contains(p.body, "invalid_client") {
			t.Fatal("raw network or upstream text shown")
		}
		return p
	}
	p := check("", "")
	rows := p.testid("connection-website")
	if rows.Length() != 2 || !strings.Contains(rows.First().Text(), datastream) || !strings.Contains(rows.First().Text(), "40") ||
		!strings.Contains(rows.Last().Text(), "Second Website") || !strings.Contains(rows.Last().Text(), "22") {
		t.Fatalf("websites: %q", p.testid("connection-websites").Text())
	}
	if !strings.Contains(p.text(`[data-testid="connection-summary"]`), "The connection works") {
		t.Fatalf("summary %q", p.text(`[data-testid="connection-summary"]`))
	}
	// With htmx the answer is the report alone.
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/admin/config/services/test-connection", strings.NewReader(url.Values{"_csrf": {c.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	if p := c.do(req); p.testid("connection-report").Length() != 1 || p.testid("services-form").Length() != 0 {
		t.Fatalf("htmx answer: %.300s", p.body)
	}
	configureCDP(t, a, emu.URL(), "p8e-wrong-secret-0000")
	check(audiences.StepToken, "refused the client ID or client secret")
	configureCDP(t, a, emu.URL(), clientSecret)
	emu.SetFault(cdpemu.Fault{Kind: cdpemu.Forbidden})
	check(audiences.StepSpec, "product profile")
	emu.SetFault(cdpemu.Fault{})
	// No Commerce connection sends to the configured datastreams.
	who := audit.Actor{Username: "test"}
	for _, site := range []int64{1, 2} {
		if _, err := a.full.StoreConfig.Save(context.Background(), who, config.Website(site), config.Submission{Values: map[string]string{
			config.PathDatastreamID: "aaaaaaaa-0000-4000-8000-00000000000" + itoa(site)}}); err != nil {
			t.Fatal(err)
		}
	}
	p = check(audiences.StepConnections, "aaaaaaaa-0000-4000-8000-000000000001")
	if !strings.Contains(p.testid("connection-websites").Text(), "No Adobe Commerce destination connection sends to this datastream") {
		t.Fatalf("websites: %q", p.testid("connection-websites").Text())
	}
	configureCDP(t, a, "http://127.0.0.1:1", clientSecret)
	check(audiences.StepToken, "could not be reached (the connection was refused)")
}

// The stored client secret goes only where it was saved for: a changed IMS URL without the
// secret typed again is refused, and nothing reaches the new address, not even by Test
// connection. Upstream answers are never shown.
func TestStoredSecretIsNeverSentToAChangedIMSURL(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	var mu sync.Mutex
	var heard []string
	listener := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		heard = append(heard, r.URL.Path+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"stolen","expires_in":3600,"note":"<b>upstream body</b>"}`)
	}))
	defer listener.Close()
	p := c.get("/admin/config/services")
	form := url.Values{}
	p.doc.Find(`[data-testid="services-form"] input[name], [data-testid="services-form"] select[name]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		if s.Is("select") {
			form.Set(name, s.Find("option[selected]").AttrOr("value", ""))
			return
		}
		if typ, _ := s.Attr("type"); typ != "checkbox" && name != "_csrf" {
			form.Set(name, s.AttrOr("value", ""))
		}
	})
	form.Set(config.PathCDPIMSURL, listener.URL)
	p = c.post("/admin/config/services", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(`[data-testid="form-errors"]`), "Client secret") ||
		!strings.Contains(p.testid("field-audiences-client_secret").Text(), "enter the client secret again") {
		t.Fatalf("errors: %q", p.text(`[data-testid="form-errors"]`))
	}
	c.post("/admin/config/services/test-connection", nil)
	c.syncAudiences()
	mu.Lock()
	defer mu.Unlock()
	if len(heard) != 0 {
		t.Fatalf("the changed IMS URL was called: %q", heard)
	}
	if v, _ := a.full.StoreConfig.Get(context.Background(), config.PathCDPIMSURL, 0); v == listener.URL {
		t.Fatal("the IMS URL was saved")
	}
}
