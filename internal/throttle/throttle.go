// Package throttle counts refused tries in sliding windows, per subject, so that guessing
// (storefront passwords per address, two-factor codes per admin, coupon codes per cart,
// customer and address) slows to a crawl. It owns the attempt_failures table, so the counts
// are shared by every instance on one database.
package throttle

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Error refuses a try for a while; RetryAfter is how long.
type Error struct {
	Scope      string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("throttle: too many %s tries; retry in %s", e.Scope, e.RetryAfter.Round(time.Second))
}

// Minutes is the wait rounded up to whole minutes, for messages.
func (e *Error) Minutes() int {
	m := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}

type failure struct {
	ID      int64
	Scope   string
	Subject string
	At      time.Time
}

func (failure) TableName() string { return "attempt_failures" }

// Limiter allows at most Max failures per subject within Window, in one scope.
type Limiter struct {
	db     *gorm.DB
	scope  string
	max    int
	window time.Duration
	now    func() time.Time
}

// New returns a Limiter for scope on d.
func New(d *db.DB, scope string, max int, window time.Duration) *Limiter {
	return &Limiter{db: d.DB, scope: scope, max: max, window: window, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock, for tests.
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// Limits reports the limiter's quota, for messages and settings pages.
func (l *Limiter) Limits() (int, time.Duration) { return l.max, l.window }

// Ticket is one try in progress: it counts as a failure unless Succeeded is called.
type Ticket struct {
	l   *Limiter
	ids []int64
}

// Attempt records a try for every subject (empty ones are skipped) before the caller
// checks anything, so that concurrent tries cannot all slip under the limit, and refuses it
// with *Error while any subject has more than Max tries within Window. A refused try is not
// counted again, so waiting is enough to get through.
func (l *Limiter) Attempt(ctx context.Context, subjects ...string) (*Ticket, error) {
	now := l.now()
	t := &Ticket{l: l}
	var wait time.Duration
	for _, s := range subjects {
		if s == "" {
			continue
		}
		f := failure{Scope: l.scope, Subject: validation.Clean(s, 255), At: now}
		if err := l.db.WithContext(ctx).Create(&f).Error; err != nil {
			return nil, err
		}
		t.ids = append(t.ids, f.ID)
		var times []time.Time
		err := l.db.WithContext(ctx).Model(&failure{}).Where("scope = ? AND subject = ? AND at > ?", l.scope, f.Subject, now.Add(-l.window)).
			Order("at DESC").Limit(l.max+1).Pluck("at", &times).Error
		if err != nil {
			return nil, err
		}
		// times includes this try: more than max means max earlier ones stand in the window.
		if len(times) > l.max {
			if w := times[l.max].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		if err := t.Succeeded(ctx); err != nil {
			return nil, err
		}
		return nil, &Error{Scope: l.scope, RetryAfter: wait}
	}
	return t, nil
}

// Succeeded removes the try from the counts: it was not a failure.
func (t *Ticket) Succeeded(ctx context.Context) error {
	if t == nil || len(t.ids) == 0 {
		return nil
	}
	err := t.l.db.WithContext(ctx).Where("id IN ?", t.ids).Delete(&failure{}).Error
	t.ids = nil
	return err
}

// Forget removes every recorded failure of subject (an operator's unlock, a reset).
func (l *Limiter) Forget(ctx context.Context, subject string) error {
	return l.db.WithContext(ctx).Where("scope = ? AND subject = ?", l.scope, validation.Clean(subject, 255)).Delete(&failure{}).Error
}

// Clear removes the recorded failures of subject, or of every subject when subject is
// empty (an operator's unlock of everyone), and says how many went.
func (l *Limiter) Clear(ctx context.Context, subject string) (int64, error) {
	q := l.db.WithContext(ctx).Where("scope = ?", l.scope)
	if subject != "" {
		q = q.Where("subject = ?", validation.Clean(subject, 255))
	}
	res := q.Delete(&failure{})
	return res.RowsAffected, res.Error
}

// Prune deletes failures older than the window.
func (l *Limiter) Prune(ctx context.Context) error {
	return l.db.WithContext(ctx).Where("scope = ? AND at < ?", l.scope, l.now().Add(-l.window)).Delete(&failure{}).Error
}

// PruneBefore deletes the failures of every scope recorded before t; called periodically
// with a time past the longest window.
func PruneBefore(ctx context.Context, d *db.DB, t time.Time) error {
	return d.DB.WithContext(ctx).Where("at < ?", t).Delete(&failure{}).Error
}

type clientAddrKey struct{}

// WithClientAddr records the client's address in ctx, so that domain code deep in a
// request (sign-in, coupon codes) can count tries per address without knowing HTTP.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr is the address WithClientAddr recorded, or "".
func ClientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}
