package pricerules

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Live holds the current snapshot for the storefront. A change to the rules rebuilds it in
// the background and swaps it atomically: readers never wait and never see half a change.
type Live struct {
	load func(context.Context) (*Snapshot, error)
	log  *slog.Logger
	cur  atomic.Pointer[Snapshot]
	mu   sync.Mutex // one rebuild at a time
}

// NewLive returns a holder that builds snapshots with load.
func NewLive(load func(context.Context) (*Snapshot, error), log *slog.Logger) *Live {
	if log == nil {
		log = slog.Default()
	}
	return &Live{load: load, log: log}
}

// Current returns the snapshot, building the first one on demand.
func (l *Live) Current(ctx context.Context) (*Snapshot, error) {
	if s := l.cur.Load(); s != nil {
		return s, nil
	}
	return l.rebuild(ctx)
}

// Reload rebuilds the snapshot after a change; a failure keeps the previous one.
func (l *Live) Reload() {
	if _, err := l.rebuild(context.Background()); err != nil {
		l.log.Error("rebuilding the price rules snapshot", "error", err)
	}
}

func (l *Live) rebuild(ctx context.Context) (*Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := l.load(ctx)
	if err != nil {
		return nil, err
	}
	l.cur.Store(s)
	return s, nil
}
