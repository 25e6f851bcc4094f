package web_test

import (
	"context"
	"strings"
	"testing"

	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/config"
)

// The home page's set-up list says when the last sync failed, and does not tick
// "Datastream for every website" while one of them matched no Adobe Commerce destination.
func TestHomeSaysWhatTheLastSyncFound(t *testing.T) {
	a, c := signedIn(t)
	emu, _ := withCDP(t, a)
	c.syncAudiences()
	home := func() string {
		return strings.Join(strings.Fields(c.get("/admin").text(`[data-testid="setup-checklist"]`)), " ")
	}
	if got := home(); !strings.Contains(got, "Audience sync") || !strings.Contains(got, "Last synced today") {
		t.Fatalf("after a good sync: %q", got)
	}
	// The second website's datastream matches nothing: the sync works and says so.
	if _, err := a.full.StoreConfig.Save(context.Background(), actorT(), config.Website(2), config.Submission{Values: map[string]string{
		config.PathDatastreamID: "aaaaaaaa-0000-4000-8000-000000000002"}}); err != nil {
		t.Fatal(err)
	}
	c.syncAudiences()
	got := home()
	if !strings.Contains(got, "1 matched no Adobe Commerce destination in the last sync") || !strings.Contains(got, "Second Website: its datastream aaaaaaaa-0000-4000-8000-000000000002 matched no") {
		t.Fatalf("after a sync with an unmatched datastream: %q", got)
	}
	// A failing sync says so.
	emu.SetFault(cdpemu.Fault{Kind: cdpemu.ServerError})
	c.syncAudiences()
	if got := home(); !strings.Contains(got, "The last sync failed") {
		t.Fatalf("after a failed sync: %q", got)
	}
}
