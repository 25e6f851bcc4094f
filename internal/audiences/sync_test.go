package audiences_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	clientID = "abcdef0123456789abcdef0123456789"
	secret   = "p8e-emulated-secret-123"
	org      = "ABCDEF0123456789ABCDEF01@AdobeOrg"
	ds1      = "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"
	ds2      = "11111111-2222-3333-4444-555555555555"
)

type fixture struct {
	db       *db.DB
	emu      *cdpemu.Emulator
	syncer   *audiences.Syncer
	store    *audiences.Store
	ids      []string
	second   int64
	tc1, tc2 string
	// streams is each website's datastream, as configuration would give it.
	streams map[int64]string
	spec    string // the connection spec ID set in configuration ("" : found by name)
}

// newFixture seeds 30 audiences upstream: 1–20 activated to the base website's datastream,
// 15–25 to a second website's, 26–30 not activated.
func newFixture(t *testing.T, d *db.DB, opts ...audiences.ClientOption) *fixture {
	t.Helper()
	emu := cdpemu.New(clientID, secret, org, "prod")
	t.Cleanup(emu.Close)
	ids := emu.Seed(30)
	tc1 := emu.AddDestination(ds1)
	tc2 := emu.AddDestination(ds2)
	f := &fixture{db: d, emu: emu, ids: ids, tc1: tc1, tc2: tc2}
	emu.Activate(tc1, ids[:20]...)
	emu.Activate(tc2, ids[14:25]...)
	if err := d.Exec("INSERT INTO websites (code, name, is_default, sort_order, created_at, updated_at) VALUES ('second', 'Second Website', FALSE, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
		t.Fatal(err)
	}
	var second int64
	d.Raw("SELECT id FROM websites WHERE code = 'second'").Scan(&second)
	f.second, f.streams = second, map[int64]string{1: ds1, second: ds2}
	src := audiences.Sources{
		Credentials: func(context.Context) (audiences.Credentials, error) {
			return audiences.Credentials{ClientID: clientID, ClientSecret: secret, OrgID: org, Sandbox: "prod", IMSURL: emu.URL(), PlatformURL: emu.URL()}, nil
		},
		Datastreams: func(context.Context) (map[int64]string, error) { return f.streams, nil },
		WebsiteNames: func(context.Context) (map[int64]string, error) {
			return map[int64]string{1: "Main Website", second: "Second Website"}, nil
		},
		ConnectionSpecID: func(context.Context) (string, error) { return f.spec, nil },
	}
	if opts == nil {
		opts = []audiences.ClientOption{audiences.WithRetries(2, time.Millisecond), audiences.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond})}
	}
	f.syncer, f.store = audiences.NewSyncer(d, src, nil, "test", opts...), audiences.NewStore(d)
	return f
}

func (f *fixture) run(t *testing.T) audiences.SyncRun {
	t.Helper()
	run, err := f.syncer.Run(context.Background(), audiences.TriggerManual)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return run
}

func (f *fixture) statuses(t *testing.T) map[audiences.Status]int {
	t.Helper()
	as, _, err := f.store.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[audiences.Status]int{}
	for _, a := range as {
		out[a.Status]++
	}
	return out
}

func TestSyncBringsActivatedAudiencesAndTracksChanges(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		run := f.run(t)
		if run.Status != audiences.RunSucceeded || run.Added != 25 || run.Total != 30 {
			t.Fatalf("first run %+v", run)
		}
		if st := f.statuses(t); st[audiences.StatusActive] != 25 || len(st) != 1 {
			t.Fatalf("statuses %v", st)
		}
		m, _ := f.store.Membership(ctx)
		if len(m[1]) != 20 || len(m[f.second]) != 11 {
			t.Fatalf("membership sizes base %d second %d", len(m[1]), len(m[f.second]))
		}
		// Ids 15–20 are on both websites.
		// A shopper's value as sent (a UUID in capitals too), read as the storefronts read it.
		ids, err := audiences.ParseCookie(strings.ToUpper(f.ids[15]) + "," + f.ids[0] + ",unknown")
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Resolve(f.second, ids); len(got) != 1 {
			t.Fatalf("resolve on second website: %v", got)
		}

		if run := f.run(t); run.Added+run.Updated+run.Deactivated != 0 {
			t.Fatalf("an unchanged listing changed something: %+v", run)
		}

		f.emu.AddAudience(cdpemu.Audience{ID: f.ids[0], Name: "Abandoned cart (renamed)", Origin: "REAL_TIME_CUSTOMER_PROFILE"})
		f.emu.Deactivate(f.ids[1])
		f.emu.RemoveAudience(f.ids[2])
		run = f.run(t)
		if run.Updated != 1 || run.Deactivated != 2 {
			t.Fatalf("after rename, deactivation and removal: %+v", run)
		}
		st := f.statuses(t)
		if st[audiences.StatusActive] != 23 || st[audiences.StatusInactive] != 1 || st[audiences.StatusGone] != 1 {
			t.Fatalf("statuses %v", st)
		}
		m, _ = f.store.Membership(ctx)
		if got := m.Resolve(1, []string{f.ids[1], f.ids[2]}); len(got) != 0 {
			t.Fatalf("inactive or removed audiences still match: %v", got)
		}
		// Reactivated: active again, never duplicated.
		f.emu.AddDestination("99999999-2222-3333-4444-555555555555")
		f.emu.Activate(f.tc1, f.ids[1])
		f.run(t)
		if st := f.statuses(t); st[audiences.StatusActive] != 24 {
			t.Fatalf("reactivation: %v", st)
		}
	})
}

func TestSyncFaultsKeepTheLastGoodSet(t *testing.T) {
	faults := map[string]cdpemu.Fault{
		"token refused":  {Kind: cdpemu.TokenRefused},
		"server error":   {Kind: cdpemu.ServerError},
		"rate limited":   {Kind: cdpemu.RateLimited},
		"timeout":        {Kind: cdpemu.Slow, Delay: 2 * time.Second},
		"malformed json": {Kind: cdpemu.MalformedJSON},
		"page gone":      {Kind: cdpemu.PageGone},
		"forbidden":      {Kind: cdpemu.Forbidden},
	}
	want := map[string]error{
		"token refused": audiences.ErrBadCredentials, "server error": audiences.ErrUpstream, "rate limited": audiences.ErrUpstream,
		"timeout": audiences.ErrUnreachable, "malformed json": audiences.ErrMalformed, "page gone": audiences.ErrUpstream,
		"forbidden": audiences.ErrNoPermission,
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			// Small pages so that "page gone" has a second page to lose.
			f := newFixture(t, dbtest.New(t))
			for i := 31; i <= 700; i++ {
				f.emu.AddAudience(cdpemu.Audience{ID: cdpemu.ID(i), Name: "extra"})
			}
			f.run(t)
			before := f.statuses(t)
			f.emu.RevokeTokens() // so "token refused" is met
			f.emu.AddAudience(cdpemu.Audience{ID: f.ids[0], Name: "Renamed while failing"})
			f.emu.Deactivate(f.ids[3])
			f.emu.SetFault(fault)
			run, err := f.syncer.Run(context.Background(), audiences.TriggerManual)
			if !errors.Is(err, want[name]) {
				t.Fatalf("error %v, want %v", err, want[name])
			}
			if run.Status != audiences.RunFailed || run.Error == "" {
				t.Fatalf("run not recorded as failed: %+v", run)
			}
			a, _, _ := f.store.Get(context.Background(), 1)
			if a.Name == "Renamed while failing" {
				t.Fatal("a failed sync changed an audience")
			}
			if after := f.statuses(t); after[audiences.StatusActive] != before[audiences.StatusActive] {
				t.Fatalf("a failed sync changed statuses: %v → %v", before, after)
			}
			runs, _ := f.syncer.LatestRuns(context.Background(), 1)
			if len(runs) != 1 || runs[0].Status != audiences.RunFailed || runs[0].Error == "" {
				t.Fatalf("latest run %+v", runs)
			}
			// The fault clears: the next sync recovers.
			f.emu.SetFault(cdpemu.Fault{})
			run = f.run(t)
			if run.Updated != 1 || run.Deactivated != 1 {
				t.Fatalf("recovery run %+v", run)
			}
		})
	}
}

func TestRetriesHonourRetryAfterAndTransientErrors(t *testing.T) {
	f := newFixture(t, dbtest.New(t), audiences.WithRetries(3, time.Millisecond))
	f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.RateLimited, Times: 1, RetryAfter: 1})
	start := time.Now()
	f.run(t)
	if time.Since(start) < time.Second {
		t.Fatal("Retry-After not honoured")
	}
	f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.ServerError, Times: 2})
	f.run(t)
}

func TestTokenIsCachedAndRefreshedOnceOn401(t *testing.T) {
	f := newFixture(t, dbtest.New(t))
	f.run(t)
	f.run(t)
	if n := f.emu.Calls("/ims/token/v3"); n != 2 {
		// One token per sync: each sync builds its client from current configuration.
		t.Fatalf("token requests %d", n)
	}
	c, _ := f.syncer.Client(context.Background())
	if _, err := c.FirstAudiencePage(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.emu.RevokeTokens()
	n, err := c.FirstAudiencePage(context.Background())
	if err != nil || n != 30 {
		t.Fatalf("after revocation: %d %v", n, err)
	}
	if got := f.emu.Calls("/ims/token/v3"); got != 4 {
		t.Fatalf("token requests %d, want 4 (one per client, one refresh)", got)
	}
}

func TestOneSyncAtATime(t *testing.T) {
	f := newFixture(t, dbtest.New(t), audiences.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.Slow, Delay: 700 * time.Millisecond, Times: 1})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.syncer.Run(context.Background(), audiences.TriggerManual)
	}()
	time.Sleep(200 * time.Millisecond)
	if running, _ := f.syncer.Running(context.Background()); !running {
		t.Fatal("not reported as running")
	}
	if _, err := f.syncer.Run(context.Background(), audiences.TriggerManual); !errors.Is(err, audiences.ErrSyncRunning) {
		t.Fatalf("second sync: %v", err)
	}
	wg.Wait()
	f.run(t)
}

func TestUnconfigured(t *testing.T) {
	d := dbtest.New(t)
	s := audiences.NewSyncer(d, audiences.Sources{
		Credentials: func(context.Context) (audiences.Credentials, error) { return audiences.Credentials{}, nil },
		Datastreams: func(context.Context) (map[int64]string, error) { return nil, nil },
	}, nil, "t")
	if _, err := s.Run(context.Background(), audiences.TriggerManual); !errors.Is(err, audiences.ErrNotConfigured) {
		t.Fatalf("%v", err)
	}
}

func TestScheduleSyncsAndRetriesAfterFailure(t *testing.T) {
	f := newFixture(t, dbtest.New(t))
	f.syncer.SetScheduleUnit(20 * time.Millisecond)
	f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.ServerError, Times: 3}) // the first scheduled run fails
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		f.syncer.Schedule(ctx, func(context.Context) time.Duration { return 200 * time.Millisecond })
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, _ := f.syncer.LatestRuns(context.Background(), 10)
		ok, failed := 0, 0
		for _, r := range runs {
			if r.TriggerKind != audiences.TriggerSchedule {
				t.Fatalf("trigger %q", r.TriggerKind)
			}
			if r.Status == audiences.RunSucceeded {
				ok++
			} else {
				failed++
			}
		}
		if ok >= 2 && failed >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule ran %d good and %d failed syncs", ok, failed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
}

// A sandbox as Adobe documents it: Flow Service lists of several pages behind
// continuation tokens, audiences paged by `_page.next` and "@/" links, a Custom
// Personalization connection on the same datastream, unrelated destinations.
func TestSyncFollowsAdobesPaging(t *testing.T) {
	for name, shape := range map[string]func(*cdpemu.Emulator){
		"integer _page.next and @/ links": func(*cdpemu.Emulator) {},
		"string _page.next":               func(e *cdpemu.Emulator) { e.PageNextAsString = true },
		"_page.next without links":        func(e *cdpemu.Emulator) { e.NoAudienceLinks = true },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, dbtest.New(t))
			shape(f.emu)
			// Six Commerce connections (three pages of two), six flows (two pages of
			// three), 30 audiences (three pages of 12).
			f.emu.FlowPageSize, f.emu.FlowsPageSize, f.emu.AudiencePageMax = 2, 3, 12
			for i := 0; i < 4; i++ {
				f.emu.AddDestination(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)) // no website's
			}
			// Custom Personalization sends to the main website's datastream too: its
			// audiences are not activated to the store.
			f.emu.Activate(f.emu.AddDestinationOf(cdpemu.PersonalizationSpecID, ds1), f.ids[25:30]...)
			run := f.run(t)
			if run.Added != 25 || run.Total != 30 || run.Warnings != "" {
				t.Fatalf("run %+v", run)
			}
			if st := f.statuses(t); st[audiences.StatusActive] != 25 {
				t.Fatalf("statuses %v", st)
			}
			for path, want := range map[string]int{"/data/foundation/flowservice/targetConnections": 3,
				"/data/foundation/flowservice/flows": 2, "/data/core/ups/audiences": 3} {
				if got := f.emu.Calls(path); got != want {
					t.Errorf("%s: %d pages read, want %d", path, got, want)
				}
			}
		})
	}
}

func TestSyncCountsOnlyEnabledFlowsAndLiveAudiences(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// An Audience Orchestration audience: its id is not a UUID, and it is kept as sent.
		const aoID = "aoc_7b1e2f3a9c4d4e5fa6b7c8d9e0f1a2b3_c0mp0s1t10n_9f8e7d6c5b4a39281706f5e4d3c2b1a0_Composition_V2" // longer than a UUID column's 64
		f.emu.AddAudience(cdpemu.Audience{ID: aoID, Name: "Composed: loyal runners", Origin: "AUDIENCE_ORCHESTRATION"})
		f.emu.Activate(f.tc1, aoID)
		f.run(t)
		m, _ := f.store.Membership(context.Background())
		if got := m.Resolve(1, []string{aoID}); len(got) != 1 {
			t.Fatalf("the Audience Orchestration id does not match: %v", got)
		}
		if got := m.Resolve(1, []string{strings.ToLower(aoID)}); len(got) != 0 {
			t.Fatalf("a non-UUID id matched in another case: %v", got)
		}
		// The second website's dataflow is disabled; an audience is archived (deleted).
		f.emu.SetFlowState(f.tc2, "disabled")
		f.emu.Archive(f.ids[0])
		run := f.run(t)
		st := f.statuses(t)
		// 1–20 and the AO audience stay active on the main website but for 1 (archived);
		// 21–25 were only on the second website.
		if st[audiences.StatusActive] != 20 || st[audiences.StatusInactive] != 5 || st[audiences.StatusGone] != 1 {
			t.Fatalf("statuses %v (run %+v)", st, run)
		}
		if w := run.WarningList(); len(w) != 1 || !strings.Contains(w[0], "Second Website") || !strings.Contains(w[0], "disabled") {
			t.Fatalf("warnings %q", w)
		}
		m, _ = f.store.Membership(context.Background())
		if len(m[f.second]) != 0 {
			t.Fatalf("a disabled dataflow's audiences still match: %d", len(m[f.second]))
		}
	})
}

func TestSyncFailsLoudlyWhenNothingMatches(t *testing.T) {
	f := newFixture(t, dbtest.New(t))
	f.run(t)
	before := f.statuses(t)
	check := func(wantErr error, wantText ...string) {
		t.Helper()
		run, err := f.syncer.Run(context.Background(), audiences.TriggerManual)
		if !errors.Is(err, wantErr) || run.Status != audiences.RunFailed {
			t.Fatalf("error %v (run %+v), want %v", err, run, wantErr)
		}
		for _, w := range wantText {
			if !strings.Contains(run.Error, w) {
				t.Errorf("the run's error %q does not say %q", run.Error, w)
			}
		}
		if after := f.statuses(t); after[audiences.StatusActive] != before[audiences.StatusActive] {
			t.Fatalf("a failed sync changed the audiences: %v → %v", before, after)
		}
	}
	// Datastream IDs that no Commerce connection uses (a Custom Personalization one does).
	f.streams = map[int64]string{1: "aaaaaaaa-0000-4000-8000-000000000001", f.second: "aaaaaaaa-0000-4000-8000-000000000002"}
	f.emu.AddDestinationOf(cdpemu.PersonalizationSpecID, "aaaaaaaa-0000-4000-8000-000000000001")
	check(audiences.ErrDatastreamsUnmatched, "Main Website → aaaaaaaa-0000-4000-8000-000000000001", ds1, ds2, `sandbox "prod"`)
	// One website matched, the other not: the sync works and names the other.
	f.streams[1] = ds1
	run := f.run(t)
	if w := run.WarningList(); len(w) != 1 || !strings.Contains(w[0], "Second Website") || !strings.Contains(w[0], "matched no Adobe Commerce") {
		t.Fatalf("warnings %q", w)
	}
	f.run(t) // restore: the second website's audiences went inactive, bring the set back
	f.streams[f.second] = ds2
	f.run(t)
	// No website has a datastream.
	f.streams = map[int64]string{}
	check(audiences.ErrNoDatastreams, "datastream ID")
	f.streams = map[int64]string{1: ds1, f.second: ds2}
	// No destination named "Adobe Commerce", then two.
	f.emu.SetSpecName(cdpemu.CommerceSpecID, "Commerce (legacy)")
	check(audiences.ErrNoCommerceDestination, "connection spec ID")
	f.emu.SetSpecName(cdpemu.CommerceSpecID, "Adobe Commerce")
	f.emu.SetSpecName("0d6c1f4e-0000-4000-8000-00000000c0de", "Adobe Commerce")
	check(audiences.ErrSeveralCommerceSpecs, cdpemu.CommerceSpecID, "0d6c1f4e-0000-4000-8000-00000000c0de")
	// Set in configuration, the spec is used rather than looked up by name; one the
	// sandbox does not have is named as the fault (not the datastreams).
	f.spec = cdpemu.CommerceSpecID
	if run := f.run(t); run.Status != audiences.RunSucceeded {
		t.Fatalf("with the spec configured: %+v", run)
	}
	f.spec = "00000000-0000-4000-8000-0000000000ff"
	check(audiences.ErrNoCommerceDestination, "connection spec ID set in Services (00000000-0000-4000-8000-0000000000ff) is not one of this sandbox's")
}

func TestConnectionReport(t *testing.T) {
	f := newFixture(t, dbtest.New(t))
	r := f.syncer.TestConnection(context.Background())
	if !r.OK() || len(r.Steps) != 6 || r.SandboxAudiences != 30 {
		t.Fatalf("report %+v", r)
	}
	if len(r.Websites) != 2 || r.Websites[0].Audiences != 20 || r.Websites[1].Audiences != 11 || len(r.Websites[0].Connections) != 1 {
		t.Fatalf("websites %+v", r.Websites)
	}
	// Each failure stops at its step and says why in plain words.
	for name, tc := range map[string]struct {
		setup func()
		step  string
		says  string
	}{
		"bad secret": {func() { f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.TokenRefused}) }, audiences.StepToken, "refused the client ID or client secret"},
		"no match": {func() { f.streams = map[int64]string{1: "aaaaaaaa-0000-4000-8000-000000000001"} },
			audiences.StepConnections, "aaaaaaaa-0000-4000-8000-000000000001"},
		"forbidden": {func() { f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.Forbidden}) }, audiences.StepSpec, "product profile"},
		"down":      {func() { f.emu.SetFault(cdpemu.Fault{Kind: cdpemu.ServerError}) }, audiences.StepSpec, "HTTP 500"},
	} {
		t.Run(name, func(t *testing.T) {
			f.streams = map[int64]string{1: ds1, f.second: ds2}
			f.emu.SetFault(cdpemu.Fault{})
			f.emu.RevokeTokens()
			tc.setup()
			defer f.emu.SetFault(cdpemu.Fault{})
			c, err := f.syncer.Client(context.Background())
			_ = c
			if err != nil {
				t.Fatal(err)
			}
			r := f.syncer.TestConnection(context.Background())
			if r.OK() {
				t.Fatal("reported OK")
			}
			for _, s := range r.Steps {
				if s.OK {
					continue
				}
				if s.Name != tc.step || !strings.Contains(s.Detail, tc.says) {
					t.Fatalf("first failed step %q: %q; want %q saying %q", s.Name, s.Detail, tc.step, tc.says)
				}
				if strings.Contains(s.Detail, "dial tcp") || strings.Contains(s.Detail, "{") {
					t.Fatalf("not plain words: %q", s.Detail)
				}
				return
			}
		})
	}
}
