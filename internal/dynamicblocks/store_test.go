package dynamicblocks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var who = audit.Actor{Username: "test"}

func TestBlocksAndPlacementsStore(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now)
		aud := audiences.NewStore(d)
		s := dynamicblocks.NewService(d, audit.NewLog(d), aud)
		b, removed, err := s.SaveBlock(ctx, who, dynamicblocks.Block{Name: "Runners hero", Enabled: true, Type: dynamicblocks.TypeContent,
			AudienceIDs: []int64{1}, Content: `<h2>Run</h2><img src="/hero.jpg" onerror="alert(1)"><script>x()</script>`,
			StoreContent: map[int64]string{1: "<p>Laufen</p>"}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.Content, "script") || strings.Contains(b.Content, "onerror") || len(removed["content"]) != 2 {
			t.Fatalf("not sanitized: %q %v", b.Content, removed)
		}
		got, err := s.Block(ctx, b.ID)
		if err != nil || got.StoreContent[1] != "<p>Laufen</p>" || len(got.AudienceIDs) != 1 || got.Version != 1 {
			t.Fatalf("round trip %+v %v", got, err)
		}
		if uses, _ := aud.UsageOf(ctx, 1); len(uses) != 1 || uses[0].Kind != "block" {
			t.Fatalf("usage %+v", uses)
		}
		stale := got
		got.Name = "Runners hero v2"
		if _, _, err := s.SaveBlock(ctx, who, got); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SaveBlock(ctx, who, stale); !errors.Is(err, dynamicblocks.ErrConflict) {
			t.Fatalf("stale save: %v", err)
		}
		var ve validation.Errors
		if _, _, err := s.SaveBlock(ctx, who, dynamicblocks.Block{Name: "", Type: "weird", Content: " "}); !errors.As(err, &ve) || len(ve) != 3 {
			t.Fatalf("validation: %v", err)
		}
		p, err := s.SavePlacement(ctx, who, dynamicblocks.Placement{Title: "Home hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
			Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ps := snap.Placements("home.hero", 1)
		if len(ps) != 1 || ps[0].ID != p.ID {
			t.Fatalf("placements %v", ps)
		}
		if r := snap.Resolve(ps[0], &dynamicblocks.Shopper{StoreViewID: 1, Audiences: []int64{1}, Now: now}); len(r.Blocks) != 1 || r.Blocks[0].HTML != "<p>Laufen</p>" {
			t.Fatalf("member: %+v", r)
		}
		if r := snap.Resolve(ps[0], &dynamicblocks.Shopper{StoreViewID: 1, Now: now}); len(r.Blocks) != 0 {
			t.Fatal("non-member sees the block")
		}
		if n, err := s.DeleteBlocks(ctx, who, []int64{b.ID}); err != nil || n != 1 {
			t.Fatalf("delete %d %v", n, err)
		}
		if uses, _ := aud.UsageOf(ctx, 1); len(uses) != 0 {
			t.Fatal("usage kept after delete")
		}
	})
}
