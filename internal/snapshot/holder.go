// Package snapshot holds the immutable, in-memory snapshots the storefront reads — the
// compiled price rules, the dynamic blocks, the audience membership map — and swaps a new one
// in atomically when the data changes, so a storefront request does no SQL for them.
package snapshot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Holder holds the current value of one snapshot.
type Holder[T any] struct {
	name string
	load func(context.Context) (T, error)
	log  *slog.Logger
	cur  atomic.Pointer[T]
	mu   sync.Mutex // one rebuild at a time
}

// New returns a holder that builds its value with load; name is for logs.
func New[T any](name string, load func(context.Context) (T, error), log *slog.Logger) *Holder[T] {
	if log == nil {
		log = slog.Default()
	}
	return &Holder[T]{name: name, load: load, log: log}
}

// Current returns the value, building the first one on demand.
func (h *Holder[T]) Current(ctx context.Context) (T, error) {
	if v := h.cur.Load(); v != nil {
		return *v, nil
	}
	return h.rebuild(ctx)
}

// Reload rebuilds the value after a change; a failure keeps the previous one.
func (h *Holder[T]) Reload() {
	if _, err := h.rebuild(context.Background()); err != nil {
		h.log.Error("rebuilding a snapshot", "snapshot", h.name, "error", err)
	}
}

func (h *Holder[T]) rebuild(ctx context.Context) (T, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, err := h.load(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	h.cur.Store(&v)
	return v, nil
}

// Watch rebuilds the value whenever fingerprint changes, checking every interval until ctx
// ends. It carries changes saved by other instances sharing the database (a version poll);
// the instance that saves rebuilds at once through Reload.
func (h *Holder[T]) Watch(ctx context.Context, interval time.Duration, fingerprint func(context.Context) (string, error)) {
	// No baseline: the first check rebuilds once, so a change saved between this holder's
	// first build and the start of the watch is never missed.
	last := ""
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := fingerprint(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("checking a snapshot for changes", "snapshot", h.name, "error", err)
			}
			continue
		}
		if fp != last {
			last = fp
			h.Reload()
		}
	}
}
