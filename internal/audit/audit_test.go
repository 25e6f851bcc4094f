package audit_test

import (
	"context"
	"testing"
	"time"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestListFilters(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.NewLog(d)
		for i := 0; i < 60; i++ {
			who := audit.Actor{Username: "alice"}
			if i%3 == 0 {
				who.Username = "bob"
			}
			if err := l.Record(ctx, nil, who, audit.ActionSignIn, "admin_user", "1", "Signed in", nil, map[string]string{"n": "x"}); err != nil {
				t.Fatal(err)
			}
		}
		l.Record(ctx, nil, audit.Actor{Username: "bob"}, audit.ActionConfigSave, "config", "default", "Saved", map[string]string{"a": "1"}, map[string]string{"a": "2"})
		p, _ := l.List(ctx, audit.Filter{})
		if p.Total != 61 || len(p.Entries) != 50 || p.Entries[0].Action != audit.ActionConfigSave {
			t.Fatalf("total %d, page %d, first %s", p.Total, len(p.Entries), p.Entries[0].Action)
		}
		if p, _ := l.List(ctx, audit.Filter{Page: 2}); len(p.Entries) != 11 {
			t.Fatalf("page 2: %d", len(p.Entries))
		}
		if p, _ := l.List(ctx, audit.Filter{Actor: "BO"}); p.Total != 21 {
			t.Fatalf("actor filter: %d", p.Total)
		}
		if p, _ := l.List(ctx, audit.Filter{Action: audit.ActionConfigSave}); p.Total != 1 || p.Entries[0].AfterData != `{"a":"2"}` {
			t.Fatalf("action filter: %+v", p)
		}
		if p, _ := l.List(ctx, audit.Filter{To: time.Now().Add(-time.Hour)}); p.Total != 0 {
			t.Fatalf("date filter: %d", p.Total)
		}
	})
}
