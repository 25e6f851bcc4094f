package main

import (
	"context"
	"testing"
	"time"
)

// The load generator works end to end on a small store: every answer carries the client's
// cart, and the paced measurement sends about the rate asked for.
func TestLoadGeneratorMeasures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store and loads it for two seconds")
	}
	r, err := Run(context.Background(), Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Rate: 100})
	if err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]Report{"throughput": r.Throughput, "paced": r.Paced} {
		if rep.Requests == 0 || rep.Errors != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.CPUPerRequest <= 0 || rep.AllocPerRequest == 0 {
			t.Errorf("%s: %+v", name, rep)
		}
	}
	if got := r.Paced.RPS(); got < 70 || got > 130 {
		t.Errorf("paced at 100 req/s, sent %.0f", got)
	}
	// Every request a new shopper: still every answer right.
	r, err = Run(context.Background(), Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Fresh: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := r.Throughput; rep.Requests == 0 || rep.Errors != 0 {
		t.Errorf("fresh shoppers: %+v", rep)
	}
}
