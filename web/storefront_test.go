package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/config"
	"audienceactivation/internal/dynamicblocks"
)

func (c *client) getWithCookie(path, name, value string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.server.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: name, Value: value})
	return c.do(req)
}

func TestStorefrontHeroFollowsMembershipAndStaysSafe(t *testing.T) {
	a := newApp(t)
	_, ids := withCDP(t, a)
	if _, err := a.full.Syncer.Run(context.Background(), "manual"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Hero", Enabled: true, Type: dynamicblocks.TypeContent,
		AudienceIDs: []int64{1}, Content: `<h2>Come back</h2><a href="/cart">Cart</a>`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Home hero", Location: "home.hero",
		Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateSeries, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	p := shop.get("/store")
	wantStatus(t, p, http.StatusOK)
	if p.testid("hero-block").Length() != 0 || p.testid("hero-default").Length() != 1 {
		t.Fatal("a shopper without membership sees the targeted hero")
	}
	// Joining the audience (cookie, plain comma-separated CDP ids) shows it at once.
	p = shop.getWithCookie("/store", "aep-segments-membership", ids[0]+",not-an-id,"+ids[0])
	if !strings.Contains(p.text(`[data-testid="hero-block"]`), "Come back") || p.text(`[data-testid="membership-count"]`) != "Audiences recognized for you: 1" {
		t.Fatalf("member: %q", p.text("main"))
	}
	if !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), "aa_rotation=") {
		t.Fatal("series rotation state not kept in a cookie")
	}
	// Oversized membership is no membership, never an error.
	if p := shop.getWithCookie("/store", "aep-segments-membership", strings.Repeat(ids[0]+",", 1000)); p.status != http.StatusOK || p.testid("hero-block").Length() != 0 {
		t.Fatalf("oversized cookie: %d", p.status)
	}
	// A row written around the service (say, by hand in SQL) is still neutralised on output.
	a.db.Exec("UPDATE dynamic_blocks SET content = ? WHERE id = ?", `<h2>Hi</h2><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a><svg onload=alert(4)></svg>`, b.ID)
	a.full.LiveBlocks.Reload()
	p = shop.getWithCookie("/store", "aep-segments-membership", ids[0])
	html, _ := p.testid("hero-block").Html()
	for _, bad := range []string{"<script", "onerror", "javascript:", "<svg", "onload"} {
		if strings.Contains(html, bad) {
			t.Fatalf("%s reached the storefront: %s", bad, html)
		}
	}
	if !strings.Contains(html, "<h2>Hi</h2>") {
		t.Fatalf("content lost: %s", html)
	}
}

func TestSignedMembershipGrantsNothingWhenForged(t *testing.T) {
	a := newApp(t)
	_, ids := withCDP(t, a)
	if _, err := a.full.Syncer.Run(context.Background(), "manual"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, _, _ := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Hero", Enabled: true, Type: dynamicblocks.TypeContent, AudienceIDs: []int64{1}, Content: "<h2>Members</h2>"})
	a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
		Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}})
	// Signed mode needs a key.
	_, err := a.full.StoreConfig.Save(ctx, actorT(), config.Default, config.Submission{Values: map[string]string{config.PathMembershipMode: "signed"}})
	if err == nil {
		t.Fatal("signed mode accepted without a key")
	}
	key := "membership-signing-key-0123456789abcdef"
	if _, err := a.full.StoreConfig.Save(ctx, actorT(), config.Default, config.Submission{Values: map[string]string{
		config.PathMembershipMode: "signed", config.PathMembershipKey: key}}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	valid := audiences.SignMembership([]byte(key), []string{ids[0]}, time.Now().Add(time.Hour))
	for name, value := range map[string]string{
		"plain":   ids[0],
		"forged":  strings.Replace(valid, ids[0], ids[1], 1),
		"expired": audiences.SignMembership([]byte(key), []string{ids[0]}, time.Now().Add(-time.Minute)),
		"other":   audiences.SignMembership([]byte("someone-elses-key-0123456789abcdef"), []string{ids[0]}, time.Now().Add(time.Hour)),
	} {
		if p := shop.getWithCookie("/store", "aep-segments-membership", value); p.testid("hero-block").Length() != 0 {
			t.Errorf("%s membership unlocked the block", name)
		}
	}
	if !strings.Contains(a.logs.String(), "membership refused") {
		t.Error("refusals are not logged")
	}
	if m := a.client().get("/metrics").body; !strings.Contains(m, "audience_activation_membership_refused_total 4") {
		t.Error("refusals are not counted for the operator")
	}
	if p := shop.getWithCookie("/store", "aep-segments-membership", valid); !strings.Contains(p.text(`[data-testid="hero-block"]`), "Members") {
		t.Fatalf("a validly signed membership was refused: %q", p.text("main"))
	}
}

// The membership script is told the Web SDK's global name configured for the shopper's
// website, and a change shows on the next page.
func TestStorefrontUsesTheWebsitesSDKName(t *testing.T) {
	a := newApp(t)
	shop := a.client()
	sdk := func() string { return shop.get("/store").doc.Find(`script[data-sdk-name]`).AttrOr("data-sdk-name", "") }
	if got := sdk(); got != "alloy" {
		t.Fatalf("default SDK name %q", got)
	}
	if _, err := a.full.StoreConfig.Save(context.Background(), actorT(), config.Website(1), config.Submission{Values: map[string]string{
		config.PathWebSDKName: "shopSdk"}}); err != nil {
		t.Fatal(err)
	}
	if got := sdk(); got != "shopSdk" {
		t.Fatalf("after saving, the storefront still names %q", got)
	}
}
