package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestDynamicBlocksEditorPlacementsAndXSS(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	p := c.get("/admin/dynamic-blocks/new")
	wantStatus(t, p, http.StatusOK)
	f := formOf(p, "#block-form")
	f.Set("name", "Runners hero")
	f.Set("type", "content")
	f.Add("audience_ids", "1")
	f.Set("content", `<h2>Winter run</h2><a href="/sale">Shop</a><img src="/media/run.jpg" alt="Run" onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a><svg onload="alert(4)"></svg>`)
	p = c.post("/admin/dynamic-blocks", f)
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get(p.header.Get("Location"))
	flash := p.text(`[data-testid="flash-info"]`)
	if !strings.Contains(flash, "<script> element") || !strings.Contains(flash, "onerror attribute on <img>") {
		t.Fatalf("removal not reported: %q", flash)
	}
	stored := p.doc.Find("#content").Text()
	preview, _ := p.testid("block-preview").Html()
	for _, out := range []string{stored, preview} {
		for _, bad := range []string{"<script", "onerror", "javascript:", "<svg", "onload"} {
			if strings.Contains(strings.ToLower(out), bad) {
				t.Fatalf("%s survived: %s", bad, out)
			}
		}
	}
	if !strings.Contains(preview, `<img src="/media/run.jpg" alt="Run"`) || !strings.Contains(preview, `<a href="/sale">Shop</a>`) {
		t.Fatalf("formatting lost: %s", preview)
	}
	// A block for an audience no longer activated to the store says it reaches nobody there.
	if p.testid("audience-warnings").Length() != 0 {
		t.Fatal("warning for an active audience")
	}
	a.db.Exec("UPDATE audiences SET status = 'inactive' WHERE id = 1")
	if w := c.get("/admin/dynamic-blocks/1/edit").text(`[data-testid="audience-warnings"]`); !strings.Contains(w, `"Abandoned cart": Inactive (no longer activated).`) {
		t.Fatalf("block warning %q", w)
	}
	a.db.Exec("UPDATE audiences SET status = 'active' WHERE id = 1")
	// The live preview endpoint sanitizes too.
	req := url.Values{"content": {`<b>hi</b><img src=x onerror=alert(1)>`}}
	pv := c.post("/admin/dynamic-blocks/preview", req)
	if strings.Contains(pv.body, "onerror=") || !strings.Contains(pv.body, "<b>hi</b>") || !strings.Contains(pv.body, "onerror attribute") {
		t.Fatalf("preview: %s", pv.body)
	}

	// Place it on home.hero.
	p = c.get("/admin/dynamic-blocks/placements/new")
	pf := formOf(p, `[data-testid="placement-form"]`)
	pf.Set("title", "Home hero")
	pf.Set("location", "home.hero")
	pf.Add("block_ids", "1")
	pf.Set("sort_1", "0")
	wantStatus(t, c.post("/admin/dynamic-blocks/placements", pf), http.StatusSeeOther)
	if g := c.get("/admin/dynamic-blocks/placements"); !strings.Contains(g.testid("placements-grid").Text(), "Runners hero") {
		t.Fatal("placement not listed with its block")
	}
	g := c.get("/admin/dynamic-blocks")
	if g.testid("block-row").Length() != 1 || g.text(`[data-testid="block-audiences"]`) != "Abandoned cart" {
		t.Fatalf("grid: %q", g.testid("blocks-grid").Text())
	}
	if !strings.Contains(c.get("/admin/audiences/1").text(`[data-testid="used-by"]`), "Runners hero") {
		t.Fatal("audience page does not list the block")
	}
	if !strings.Contains(c.get("/admin/audiences?q=abandoned").testid("audiences-grid").Text(), "Runners hero") {
		t.Fatal("dashboard's Dynamic Blocks column does not list the block")
	}
	// Validation keeps what was typed.
	bad := formOf(c.get("/admin/dynamic-blocks/new"), "#block-form")
	bad.Set("name", "")
	bad.Set("content", "<p>kept</p>")
	p = c.post("/admin/dynamic-blocks", bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-name"]`) == "" || !strings.Contains(p.doc.Find("#content").Text(), "kept") {
		t.Fatal("block validation")
	}
	// Related rules: the rule page links back to the block.
	rf := formOf(c.get("/admin/price-rules/new"), "#rule-form")
	rf.Set("name", "Winter sale")
	rf.Add("website_ids", "1")
	rf.Set("amount", "10")
	wantStatus(t, c.post("/admin/price-rules", rf), http.StatusSeeOther)
	bf := formOf(c.get("/admin/dynamic-blocks/1/edit"), "#block-form")
	bf.Add("rule_ids", "1")
	wantStatus(t, c.post("/admin/dynamic-blocks/1", bf), http.StatusSeeOther)
	if !strings.Contains(c.get("/admin/price-rules/1/edit").text(`[data-testid="related-blocks"]`), "Runners hero") {
		t.Fatal("rule page does not link to the related block")
	}
	// An unconfigured store can still create blocks (no audiences needed).
	c.post("/admin/dynamic-blocks/mass", url.Values{"ids": {"1"}, "mass": {"disable"}})
	if c.get("/admin/dynamic-blocks?status=disabled").testid("block-row").Length() != 1 {
		t.Fatal("mass disable")
	}
}
