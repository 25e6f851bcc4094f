package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// adminBinary builds the admin binary once for the tests of this package.
var adminBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "loadtest-bin-")
	if err != nil {
		return "", err
	}
	return BuildAdmin(context.Background(), dir)
})

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the admin binary, seeds a store and loads the server for a few seconds")
	}
	bin, err := adminBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testing.Short() {
		os.Exit(code)
	}
	if bin, err := adminBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// gone says whether no process has the id any more (the server was stopped and reaped).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// The load test works end to end on a small store, with the admin binary serving as its
// own process: every answer carries the client's cart over GET and POST, the paced
// measurement sends about the rate asked for, the server's and the generator's costs are
// measured apart, and the server is stopped at the end.
func TestLoadTestMeasuresTheServerProcess(t *testing.T) {
	bin := binary(t)
	var log bytes.Buffer
	o := Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Rate: 100, Transports: []string{"GET", "POST"}, Fresh: true, Binary: bin, Log: &log}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, transport := range o.Transports {
		for name, rep := range map[string]Report{"throughput": r[transport].Throughput, "paced": r[transport].Paced} {
			s, g := rep.Server, rep.Generator
			if rep.Requests == 0 || rep.Errors != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 {
				t.Errorf("%s %s: %+v", transport, name, rep)
			}
			if s.CPUPerRequest <= 0 || s.AllocPerRequest == 0 || s.RSS == 0 || s.PeakRSS < s.RSS || g.CPUPerRequest <= 0 || g.AllocPerRequest == 0 {
				t.Errorf("%s %s costs: server %+v, generator %+v", transport, name, s, g)
			}
		}
		if got := r[transport].Paced.RPS(); got < 70 || got > 130 {
			t.Errorf("%s paced at 100 req/s, sent %.0f", transport, got)
		}
	}
	pid := r["GET"].ServerPID
	if pid == 0 || pid == os.Getpid() || !gone(pid) {
		t.Errorf("the server (pid %d) is not a stopped process of its own", pid)
	}
	var out bytes.Buffer
	printSummary(&out, o, r)
	for _, want := range []string{"every request a new shopper", " GET:", " POST:", "full speed:", "paced at 100 req/s", "server (full speed)", "load generator (paced)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}

	// Each client the same shopper, GET only, no paced run.
	r, err = Run(context.Background(), Options{Rules: 300, Blocks: 30, Audiences: 50, Clients: 4, Duration: time.Second, Binary: bin})
	if err != nil {
		t.Fatal(err)
	}
	if rep := r["GET"].Throughput; rep.Requests == 0 || rep.Errors != 0 || r["GET"].Paced.Requests != 0 {
		t.Errorf("same shoppers: %+v", r["GET"])
	}
}

// An interrupt during the load ends the run with the context's error, and the server is
// still stopped.
func TestInterruptStopsTheServer(t *testing.T) {
	bin := binary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &watchLog{started: make(chan int, 1)}
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Options{Rules: 50, Blocks: 10, Audiences: 20, Clients: 2, Duration: time.Minute, Binary: bin, Log: log})
		done <- err
	}()
	var pid int
	select {
	case pid = <-log.started:
	case err := <-done:
		t.Fatalf("the run ended before the server started: %v", err)
	case <-time.After(45 * time.Second):
		t.Fatal("the server did not start within 45 s")
	}
	time.Sleep(300 * time.Millisecond) // into the load
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end within 20 s of the interrupt")
	}
	if !gone(pid) {
		t.Errorf("the server (pid %d) still runs", pid)
	}
}

// watchLog passes on the server's pid from the progress log.
type watchLog struct {
	mu      sync.Mutex
	started chan int
}

var pidLine = regexp.MustCompile(`admin serve is pid (\d+)`)

func (w *watchLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := pidLine.FindSubmatch(p); m != nil {
		pid, _ := strconv.Atoi(string(m[1]))
		select {
		case w.started <- pid:
		default:
		}
	}
	return len(p), nil
}

// The server's usage is read from /proc: this process's own figures are sane.
func TestProcUsage(t *testing.T) {
	u, err := procUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.rss == 0 || u.peakRSS < u.rss || u.cpu < 0 {
		t.Errorf("%+v", u)
	}
	if _, err := procUsage(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
