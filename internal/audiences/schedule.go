package audiences

import (
	"context"
	"errors"
	"time"
)

// Schedule runs the sync every interval until ctx ends. interval is read before each wait,
// so a change in configuration applies without a restart; zero turns the schedule off
// (checked again a minute later). After a failure it retries sooner, with backoff: 1, 2,
// 4 … minutes, never later than the interval.
func (s *Syncer) Schedule(ctx context.Context, interval func(context.Context) time.Duration) {
	minute := s.scheduleUnit
	if minute == 0 {
		minute = time.Minute
	}
	failures := 0
	wait := minute // a first sync shortly after start
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		every := interval(ctx)
		if every <= 0 {
			wait = minute
			continue
		}
		if ok, err := s.Configured(ctx); err != nil || !ok {
			wait = minute
			continue
		}
		if last, err := s.LatestRuns(ctx, 1); err == nil && len(last) == 1 && last[0].Status == RunSucceeded &&
			s.now().Sub(last[0].StartedAt) < every {
			// Another instance (or "Sync now") ran recently enough.
			wait = every - s.now().Sub(last[0].StartedAt)
			failures = 0
			continue
		}
		_, err := s.Run(ctx, TriggerSchedule)
		switch {
		case err == nil, errors.Is(err, ErrSyncRunning):
			failures = 0
			wait = every
		default:
			failures++
			wait = min(minute<<min(failures-1, 10), every)
		}
	}
}

// SetScheduleUnit shortens the schedule's minute, for tests of the schedule itself.
func (s *Syncer) SetScheduleUnit(d time.Duration) { s.scheduleUnit = d }
