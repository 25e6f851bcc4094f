package audiences

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"audienceactivation/internal/db"
)

// SyncRun is the record of one sync.
type SyncRun struct {
	ID          int64
	TriggerKind string
	StartedAt   time.Time
	FinishedAt  *time.Time
	Status      string // running, succeeded, failed
	Total       int
	Added       int
	Updated     int
	Deactivated int
	Error       string
	// Warnings are what a run that succeeded tells the merchant, one a line: a website
	// whose datastream matched no Adobe Commerce destination, a disabled dataflow.
	Warnings string
}

// UnmatchedWebsites counts the websites whose datastream matched no Adobe Commerce
// destination connection in this run.
func (r SyncRun) UnmatchedWebsites() int {
	return strings.Count(r.Warnings, unmatchedWords)
}

// WarningList returns the run's warnings, one an element.
func (r SyncRun) WarningList() []string {
	if strings.TrimSpace(r.Warnings) == "" {
		return nil
	}
	return strings.Split(r.Warnings, "\n")
}

// TableName maps SyncRun to its table.
func (SyncRun) TableName() string { return "sync_runs" }

// Sync run statuses and triggers.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"

	TriggerManual   = "manual"
	TriggerSchedule = "schedule"
	TriggerCLI      = "cli"
)

// ErrSyncRunning means another sync holds the lock.
var ErrSyncRunning = errors.New("a sync is already running")

// Sources give the sync what it reads from configuration.
type Sources struct {
	// Credentials returns the CDP credentials (ErrNotConfigured-wrapping or incomplete
	// credentials mean the CDP is not configured).
	Credentials func(ctx context.Context) (Credentials, error)
	// Datastreams returns each website's effective datastream id.
	Datastreams func(ctx context.Context) (map[int64]string, error)
	// WebsiteNames names the websites, for messages (optional).
	WebsiteNames func(ctx context.Context) (map[int64]string, error)
	// ConnectionSpecID returns the Adobe Commerce destination's connection spec ID set in
	// configuration; empty (or a nil func) means it is found by name (optional).
	ConnectionSpecID func(ctx context.Context) (string, error)
}

// Syncer brings the activated audiences from the CDP into the store, one run at a time
// across all instances.
type Syncer struct {
	db         *gorm.DB
	src        Sources
	clientOpts []ClientOption
	log        *slog.Logger
	holder     string
	now        func() time.Time
	// scheduleUnit is the schedule's minute (tests shorten it).
	scheduleUnit time.Duration
	// OnChange is called after a sync changed audiences (to rebuild snapshots).
	OnChange func()
}

// lease is how long a sync may hold the lock without renewing it. The holder renews it
// every third of that (a heartbeat) and at every page, so a crashed instance's lock is
// free again within half a minute.
const lease = 30 * time.Second

// NewSyncer returns a Syncer. holder names this instance in the lock.
func NewSyncer(d *db.DB, src Sources, log *slog.Logger, holder string, opts ...ClientOption) *Syncer {
	if log == nil {
		log = slog.Default()
	}
	return &Syncer{db: d.DB, src: src, clientOpts: opts, log: log, holder: holder, now: func() time.Time { return time.Now().UTC() }}
}

// Client returns a CDP client for the configured credentials.
func (s *Syncer) Client(ctx context.Context) (*Client, error) {
	creds, err := s.src.Credentials(ctx)
	if err != nil {
		return nil, err
	}
	if !creds.Complete() {
		return nil, ErrNotConfigured
	}
	return NewClient(creds, s.clientOpts...), nil
}

// Configured reports whether the CDP credentials are complete.
func (s *Syncer) Configured(ctx context.Context) (bool, error) {
	creds, err := s.src.Credentials(ctx)
	if err != nil {
		return false, err
	}
	return creds.Complete(), nil
}

// lock is a held sync lease: its token names this one run, so a run that lost its lease
// can neither renew nor release the next run's.
type lock struct {
	s     *Syncer
	token string
}

func (s *Syncer) acquire(ctx context.Context) (*lock, error) {
	now := s.now()
	b := make([]byte, 8)
	rand.Read(b)
	l := &lock{s: s, token: s.holder + "/" + hex.EncodeToString(b)}
	res := s.db.WithContext(ctx).Exec("UPDATE sync_lock SET holder = ?, locked_until = ? WHERE id = 1 AND (locked_until IS NULL OR locked_until < ?)",
		l.token, now.Add(lease), now)
	if res.Error != nil || res.RowsAffected != 1 {
		return nil, res.Error
	}
	return l, nil
}

// renew extends the lease; false means it was lost.
func (l *lock) renew(ctx context.Context) bool {
	res := l.s.db.WithContext(ctx).Exec("UPDATE sync_lock SET locked_until = ? WHERE id = 1 AND holder = ?", l.s.now().Add(lease), l.token)
	return res.Error == nil && res.RowsAffected == 1
}

// held checks, inside tx, that the lease is still this run's.
func (l *lock) held(tx *gorm.DB) bool {
	var n int64
	tx.Raw("SELECT COUNT(*) FROM sync_lock WHERE id = 1 AND holder = ? AND locked_until >= ?", l.token, l.s.now()).Scan(&n)
	return n == 1
}

func (l *lock) release() {
	l.s.db.Exec("UPDATE sync_lock SET holder = '', locked_until = NULL WHERE id = 1 AND holder = ?", l.token)
}

// keepAlive renews the lease every third of it until stop is closed, and cancels the run
// if the lease is lost.
func (l *lock) keepAlive(ctx context.Context, cancel context.CancelFunc, stop <-chan struct{}) {
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if !l.renew(ctx) {
				cancel()
				return
			}
		}
	}
}

// Running reports whether a sync holds the lock now.
func (s *Syncer) Running(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM sync_lock WHERE id = 1 AND locked_until IS NOT NULL AND locked_until >= ?", s.now()).Scan(&n).Error
	return n > 0, err
}

// Run performs one sync and records it. On any failure nothing changes in the audiences:
// the last good set stays, and the run carries the error.
func (s *Syncer) Run(ctx context.Context, trigger string) (SyncRun, error) {
	l, err := s.acquire(ctx)
	if err != nil {
		return SyncRun{}, err
	}
	if l == nil {
		return SyncRun{}, ErrSyncRunning
	}
	return s.runLocked(ctx, l, trigger)
}

// Start takes the lock now and runs the sync in the background, calling done (if not nil)
// when it ends; it returns ErrSyncRunning at once when another sync holds the lock.
func (s *Syncer) Start(ctx context.Context, trigger string, done func(SyncRun, error)) error {
	l, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	if l == nil {
		return ErrSyncRunning
	}
	go func() {
		run, err := s.runLocked(ctx, l, trigger)
		if done != nil {
			done(run, err)
		}
	}()
	return nil
}

func (s *Syncer) runLocked(ctx context.Context, l *lock, trigger string) (SyncRun, error) {
	defer l.release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go l.keepAlive(ctx, cancel, stop)
	// A run left "running" by a crashed instance ended when its lease did.
	s.db.WithContext(ctx).Model(&SyncRun{}).Where("status = ?", RunRunning).
		Updates(map[string]any{"status": RunFailed, "error": "interrupted: the instance running it stopped", "finished_at": s.now()})
	run := SyncRun{TriggerKind: trigger, StartedAt: s.now(), Status: RunRunning}
	if err := s.db.WithContext(ctx).Create(&run).Error; err != nil {
		return run, err
	}
	res, err := s.sync(ctx, l, run.ID)
	finished := s.now()
	run.FinishedAt = &finished
	run.Total, run.Added, run.Updated, run.Deactivated = res.total, res.added, res.updated, res.deactivated
	run.Warnings = strings.Join(res.warnings, "\n")
	if err != nil {
		run.Status, run.Error = RunFailed, err.Error()
		s.log.Warn("audience sync failed", "run", run.ID, "trigger", trigger, "error", err)
	} else {
		run.Status = RunSucceeded
		s.log.Info("audience sync done", "run", run.ID, "trigger", trigger, "total", res.total, "added", res.added,
			"updated", res.updated, "deactivated", res.deactivated, "duration_ms", finished.Sub(run.StartedAt).Milliseconds())
	}
	// Record the outcome even when ctx was cancelled mid-run.
	if uerr := s.db.WithContext(context.WithoutCancel(ctx)).Save(&run).Error; uerr != nil && err == nil {
		err = uerr
	}
	s.db.WithContext(context.WithoutCancel(ctx)).Exec("DELETE FROM audience_sync_staging WHERE run_id = ?", run.ID)
	s.db.WithContext(context.WithoutCancel(ctx)).Exec("DELETE FROM audience_sync_staging_websites WHERE run_id = ?", run.ID)
	if err == nil && s.OnChange != nil && (res.added+res.updated+res.deactivated > 0) {
		s.OnChange()
	}
	return run, err
}

type syncResult struct {
	total, added, updated, deactivated int
	warnings                           []string
}

type stagingRow struct {
	RunID             int64
	CDPID             string `gorm:"column:cdp_id"`
	Name              string
	Description       string
	Origin            string
	LifecycleState    string
	UpstreamUpdatedAt *time.Time
	Activated         bool
}

func (stagingRow) TableName() string { return "audience_sync_staging" }

type stagingWebsite struct {
	RunID     int64
	CDPID     string `gorm:"column:cdp_id"`
	WebsiteID int64
}

func (stagingWebsite) TableName() string { return "audience_sync_staging_websites" }

func (s *Syncer) sync(ctx context.Context, l *lock, runID int64) (syncResult, error) {
	var res syncResult
	client, err := s.Client(ctx)
	if err != nil {
		return res, err
	}
	act, err := s.lookupActivation(ctx, client)
	if err != nil {
		return res, err
	}
	res.warnings = act.warnings()
	activated := act.activated
	var knownIDs []string
	if err := s.db.WithContext(ctx).Raw("SELECT cdp_id FROM audiences").Scan(&knownIDs).Error; err != nil {
		return res, err
	}
	known := make(map[string]bool, len(knownIDs))
	for _, id := range knownIDs {
		known[id] = true
	}
	// Staging left by runs that ended without cleaning up (a crash) goes; never another
	// running run's.
	for _, table := range []string{"audience_sync_staging", "audience_sync_staging_websites"} {
		if err := s.db.WithContext(ctx).Exec("DELETE FROM "+table+" WHERE run_id <> ? AND run_id NOT IN (SELECT id FROM sync_runs WHERE status = ?)", runID, RunRunning).Error; err != nil {
			return res, err
		}
	}
	total, err := client.Audiences(ctx, func(page []UpstreamAudience) error {
		rows := make([]stagingRow, 0, len(page))
		var sites []stagingWebsite
		for _, a := range page {
			id := a.ID // as NormalizeID wrote it
			// Archived is Adobe's deleted: such an audience is gone from the listing.
			deleted := a.Deleted()
			on := activated[id] != nil && !deleted
			if (!on && !known[id]) || deleted {
				continue
			}
			r := stagingRow{RunID: runID, CDPID: id, Name: truncateRunes(a.Name, 255), Description: a.Description,
				Origin: truncateRunes(a.OriginName, 64), LifecycleState: truncateRunes(a.LifecycleState, 32), Activated: on}
			if r.Name == "" {
				r.Name = id
			}
			if !a.UpdatedAt.IsZero() {
				t := a.UpdatedAt
				r.UpstreamUpdatedAt = &t
			}
			rows = append(rows, r)
			if on {
				for site := range activated[id] {
					sites = append(sites, stagingWebsite{RunID: runID, CDPID: id, WebsiteID: site})
				}
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if !l.renew(ctx) {
			return errors.New("the sync lost its lock (it took too long); another run may have started")
		}
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// ON CONFLICT DO NOTHING: a listing that repeats an audience across pages
			// keeps its first copy.
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 250).Error; err != nil {
				return err
			}
			if len(sites) > 0 {
				return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(sites, 500).Error
			}
			return nil
		})
	})
	res.total = total
	if err != nil {
		return res, fmt.Errorf("listing audiences: %w", err)
	}
	// The websites that exist now, from the stores domain (Sources): audiences are linked
	// only to those, so a website deleted during the sync is left out rather than failing
	// the run on its foreign key. Without the source, every listed website is linked.
	var sites []int64
	if s.src.WebsiteNames != nil {
		names, err := s.src.WebsiteNames(ctx)
		if err != nil {
			return res, err
		}
		sites = make([]int64, 0, len(names))
		for id := range names {
			sites = append(sites, id)
		}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if !l.held(tx) {
			return errors.New("the sync lost its lock before saving; nothing was changed")
		}
		return merge(tx, runID, s.now(), &res, sites)
	})
	return res, err
}

func truncateRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// merge applies a completed listing in one transaction.
func merge(tx *gorm.DB, runID int64, now time.Time, res *syncResult, sites []int64) error {
	var counts struct{ Added, Updated, Deactivated int }
	if err := tx.Raw(`SELECT COUNT(*) FROM audience_sync_staging s WHERE s.run_id = ? AND s.activated
		AND NOT EXISTS (SELECT 1 FROM audiences a WHERE a.cdp_id = s.cdp_id)`, runID).Scan(&counts.Added).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT COUNT(*) FROM audience_sync_staging s JOIN audiences a ON a.cdp_id = s.cdp_id
		WHERE s.run_id = ? AND s.activated AND (a.name <> s.name OR a.description <> s.description OR a.origin <> s.origin
		OR a.lifecycle_state <> s.lifecycle_state OR a.status <> ?
		OR COALESCE(a.upstream_updated_at, ?) <> COALESCE(s.upstream_updated_at, ?))`, runID, StatusActive, time.Time{}, time.Time{}).Scan(&counts.Updated).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT COUNT(*) FROM audiences a WHERE a.status = ? AND NOT EXISTS
		(SELECT 1 FROM audience_sync_staging s WHERE s.run_id = ? AND s.cdp_id = a.cdp_id AND s.activated)`, StatusActive, runID).Scan(&counts.Deactivated).Error; err != nil {
		return err
	}
	err := tx.Exec(`INSERT INTO audiences (cdp_id, name, search_name, description, origin, lifecycle_state, status, upstream_updated_at, synced_at, created_at, updated_at)
		SELECT s.cdp_id, s.name, LOWER(s.name), s.description, s.origin, s.lifecycle_state,
			CASE WHEN s.activated THEN ? ELSE ? END, s.upstream_updated_at, ?, ?, ?
		FROM audience_sync_staging s WHERE s.run_id = ?
		ON CONFLICT (cdp_id) DO UPDATE SET name = excluded.name, search_name = excluded.search_name,
			description = excluded.description, origin = excluded.origin, lifecycle_state = excluded.lifecycle_state,
			status = excluded.status, upstream_updated_at = excluded.upstream_updated_at, synced_at = excluded.synced_at,
			updated_at = excluded.updated_at`,
		StatusActive, StatusInactive, now, now, now, runID).Error
	if err != nil {
		return err
	}
	// Activated audiences get exactly the websites of this listing.
	if err := tx.Exec(`DELETE FROM audience_websites WHERE audience_id IN (SELECT a.id FROM audiences a
		JOIN audience_sync_staging s ON s.cdp_id = a.cdp_id WHERE s.run_id = ? AND s.activated)`, runID).Error; err != nil {
		return err
	}
	link, args := `INSERT INTO audience_websites (audience_id, website_id)
		SELECT a.id, w.website_id FROM audience_sync_staging_websites w JOIN audiences a ON a.cdp_id = w.cdp_id
		WHERE w.run_id = ?`, []any{runID}
	if sites != nil {
		link, args = link+" AND w.website_id IN ?", append(args, sites)
	}
	if err := tx.Exec(link, args...).Error; err != nil {
		return err
	}
	// Known audiences the listing no longer has were removed from the CDP.
	if err := tx.Exec(`UPDATE audiences SET status = ?, updated_at = ? WHERE status <> ? AND NOT EXISTS
		(SELECT 1 FROM audience_sync_staging s WHERE s.run_id = ? AND s.cdp_id = audiences.cdp_id)`,
		StatusGone, now, StatusGone, runID).Error; err != nil {
		return err
	}
	res.added, res.updated, res.deactivated = counts.Added, counts.Updated, counts.Deactivated
	return nil
}

// LatestRuns returns the most recent runs, newest first.
func (s *Syncer) LatestRuns(ctx context.Context, n int) ([]SyncRun, error) {
	var runs []SyncRun
	err := s.db.WithContext(ctx).Order("started_at DESC, id DESC").Limit(n).Find(&runs).Error
	return runs, err
}

// LastSuccess returns the newest successful run, if any.
func (s *Syncer) LastSuccess(ctx context.Context) (*SyncRun, error) {
	var r SyncRun
	err := s.db.WithContext(ctx).Where("status = ?", RunSucceeded).Order("started_at DESC, id DESC").Limit(1).Find(&r).Error
	if err != nil || r.ID == 0 {
		return nil, err
	}
	return &r, nil
}
