package throttle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/throttle"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestLimiterCountsPerSubjectInAWindow(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		l := throttle.New(d, "coupon", 3, time.Hour)
		l.SetClock(func() time.Time { return now })
		for i := 0; i < 3; i++ {
			if _, err := l.Attempt(ctx, "cart:1", "addr:10.0.0.1"); err != nil {
				t.Fatalf("try %d: %v", i, err)
			}
			now = now.Add(time.Minute)
		}
		_, err := l.Attempt(ctx, "cart:1")
		var te *throttle.Error
		if !errors.As(err, &te) || te.Minutes() != 57 {
			t.Fatalf("4th try: %v (%d minutes)", err, te.Minutes())
		}
		// The address is over too, for another cart; another address and cart are not.
		if _, err := l.Attempt(ctx, "cart:2", "addr:10.0.0.1"); !errors.As(err, &te) {
			t.Fatalf("same address, other cart: %v", err)
		}
		if _, err := l.Attempt(ctx, "cart:3", "addr:10.0.0.2", ""); err != nil {
			t.Fatalf("other cart and address: %v", err)
		}
		// A successful try is not counted; another scope does not share the counts.
		ok, err := l.Attempt(ctx, "cart:4")
		if err != nil {
			t.Fatal(err)
		}
		if err := ok.Succeeded(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := l.Attempt(ctx, "cart:4"); err != nil {
				t.Fatalf("cart 4 try %d after a success: %v", i, err)
			}
		}
		if _, err := throttle.New(d, "other", 3, time.Hour).Attempt(ctx, "cart:1"); err != nil {
			t.Fatalf("other scope: %v", err)
		}
		// Refused tries are not counted: the window frees the subject on time.
		now = now.Add(57 * time.Minute)
		if _, err := l.Attempt(ctx, "cart:1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		if err := throttle.PruneBefore(ctx, d, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClientAddrTravelsInTheContext(t *testing.T) {
	ctx := throttle.WithClientAddr(context.Background(), "192.0.2.1")
	if throttle.ClientAddr(ctx) != "192.0.2.1" || throttle.ClientAddr(context.Background()) != "" {
		t.Fatal("client address lost")
	}
}
