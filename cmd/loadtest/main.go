// Command loadtest measures the storefront GraphQL API as `make bench` runs it: the admin
// binary serving, as its own process, a store with 10,000 active cart price rules, 1,000
// dynamic blocks and 1,000 audiences, and concurrent net/http clients asking for a cart with
// prices plus the dynamic blocks the shopper sees. The headline run makes every request a new
// shopper (audiences drawn at random, so the rules' memory of recent totals cannot answer)
// and sends the query as GET, as PWA Studio does.
//
// The server's CPU time and memory are read from /proc for its process alone, and its heap
// allocation from its own /metrics; the load generator's cost is reported apart, since both
// share the machine's cores.
//
// Everything is real: the data directory is seeded through the app's services (audiences
// synced from the CDP emulator over HTTP, products, rules, blocks), then the database is
// closed and `admin serve` opens it, as in production.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
)

// Options shape the store and the load.
type Options struct {
	Rules, Blocks, Audiences int
	Clients                  int
	Duration                 time.Duration
	Log                      io.Writer // progress; nil: none
	// Binary is the admin binary to serve with; "": built from the module into a temporary
	// directory.
	Binary string
	// Rate is the total requests per second of the paced measurement; 0 skips it.
	Rate int
	// Transports are the ways the query is sent, each measured: "GET" (the query in the
	// address, Accept: */*, as Apollo Client sends it when told to use GET for queries, as
	// PWA Studio does) and "POST" (a JSON body). None: GET.
	Transports []string
	// Fresh makes every request a new shopper: 20 audiences drawn at random each time, so
	// no two requests price a cart for the same audiences and the rule snapshot's memory of
	// recent totals never answers (the engine prices every request). Otherwise each client
	// is one shopper asking again and again.
	Fresh bool
}

// Report is what one measurement found.
type Report struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P99         time.Duration
	FirstError       string
	// Server is the cost of the server process alone; Generator that of this process (the
	// clients), which shares the cores with it.
	Server, Generator Cost
}

// Cost is what a process spent per request during a measurement.
type Cost struct {
	CPUPerRequest   time.Duration
	AllocPerRequest uint64 // heap bytes allocated per request
	GCs             int    // garbage collections during the measurement
	// RSS is the resident memory at the end of the measurement and PeakRSS the most the
	// process has held since it started (VmHWM), in bytes; server only.
	RSS, PeakRSS uint64
}

// RPS is requests per second.
func (r Report) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Targets on 2 cores with SQLite.
const (
	TargetRPS = 2000
	TargetP99 = 10 * time.Millisecond
)

// secretKey seals the CDP secret while seeding; the server is given the same key.
const secretKey = "loadtest-master-key-0123456789abcdef"

func main() {
	var o Options
	flag.IntVar(&o.Rules, "rules", 10000, "active cart price rules")
	flag.IntVar(&o.Blocks, "blocks", 1000, "dynamic blocks")
	flag.IntVar(&o.Audiences, "audiences", 1000, "audiences in the CDP")
	flag.IntVar(&o.Clients, "clients", 32, "concurrent clients")
	flag.DurationVar(&o.Duration, "duration", 20*time.Second, "how long each measurement loads the server")
	transports := flag.String("transports", "GET", "how queries are sent, each measured: GET, POST or GET,POST")
	flag.IntVar(&o.Rate, "rate", TargetRPS, "total req/s of the paced measurement (0: skip it)")
	flag.BoolVar(&o.Fresh, "fresh", true, "every request a new shopper (other audiences), so every cart is priced afresh; -fresh=false: each client one shopper asking again")
	flag.StringVar(&o.Binary, "binary", "", "the admin binary to serve with (default: go build ./cmd/admin into a temporary directory)")
	check := flag.Bool("check", false, "exit 1 when a target is missed")
	flag.Parse()
	if o.Rules < 0 || o.Blocks < 0 || o.Audiences < 1 || o.Clients < 1 || o.Clients > 1000 || o.Duration <= 0 || o.Duration > time.Hour || o.Rate < 0 {
		fmt.Fprintln(os.Stderr, "loadtest: use -audiences ≥ 1, -clients 1…1000, -duration up to 1h, -rules, -blocks and -rate ≥ 0")
		os.Exit(2)
	}
	o.Transports = strings.Split(strings.ToUpper(*transports), ",")
	o.Log = os.Stderr
	// An interrupt ends the load early; Run still stops the server.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !printSummary(os.Stdout, o, r) && *check {
		os.Exit(1)
	}
}

// printSummary writes the figures and says whether every target was met.
func printSummary(w io.Writer, o Options, r Results) bool {
	shoppers := "each client the same shopper (carts priced again come from the rules' memory)"
	if o.Fresh {
		shoppers = "every request a new shopper (every cart priced afresh)"
	}
	fmt.Fprintf(w, "storefront API, admin serve on loopback: %d active rules, %d blocks, %d audiences, %d clients, cart with prices + dynamicBlocks, %s\n",
		o.Rules, o.Blocks, o.Audiences, o.Clients, shoppers)
	met := true
	for _, name := range o.Transports {
		t, p := r[name].Throughput, r[name].Paced
		fmt.Fprintf(w, " %s:\n", name)
		fastMet := t.RPS() >= TargetRPS && t.Errors == 0
		met = met && fastMet
		fmt.Fprintf(w, "  full speed:          %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors of %d requests in %s (target ≥ %d req/s, 0 errors: %s)\n",
			t.RPS(), ms(t.P50), ms(t.P99), t.Errors, t.Requests, t.Elapsed.Round(time.Millisecond), TargetRPS, verdict(fastMet))
		reports := []Report{t}
		if o.Rate > 0 {
			pacedMet := p.P99 <= TargetP99 && p.Errors == 0
			met = met && pacedMet
			fmt.Fprintf(w, "  paced at %d req/s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors of %d requests in %s (target p99 ≤ %s, 0 errors: %s)\n",
				o.Rate, p.RPS(), ms(p.P50), ms(p.P99), p.Errors, p.Requests, p.Elapsed.Round(time.Millisecond), TargetP99, verdict(pacedMet))
			reports = append(reports, p)
		}
		for i, rep := range reports {
			label := "full speed"
			if i == 1 {
				label = "paced"
			}
			s, g := rep.Server, rep.Generator
			fmt.Fprintf(w, "  server (%s):%s %d µs CPU and %.1f KB allocated per request, %d GCs, RSS %d MB (peak %d MB)\n",
				label, strings.Repeat(" ", 10-len(label)), s.CPUPerRequest.Microseconds(), float64(s.AllocPerRequest)/1024, s.GCs, s.RSS>>20, s.PeakRSS>>20)
			fmt.Fprintf(w, "  load generator (%s): %d µs CPU and %.1f KB allocated per request (not the server's)\n",
				label, g.CPUPerRequest.Microseconds(), float64(g.AllocPerRequest)/1024)
		}
		for _, e := range []string{t.FirstError, p.FirstError} {
			if e != "" {
				fmt.Fprintln(w, "  first error:", e)
			}
		}
	}
	return met
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// query is what each client asks: its cart with prices, and the blocks it sees.
const query = `query($cart: String!) {
  cart(cart_id: $cart) {
    id total_quantity
    items { uid quantity product { sku } prices { price { value } row_total { value } total_item_discount { value } discounts { label amount { value } } } }
    prices { subtotal_excluding_tax { value currency } subtotal_with_discount_excluding_tax { value } grand_total { value } discounts { label amount { value } } }
    applied_coupons { code }
  }
  dynamicBlocks(input: {type: SPECIFIED}) { total_count items { uid audience_id content { html } } }
}`

// Results are the measurements of each transport ("GET", "POST").
type Results map[string]Measured

// Measured is what one transport measured: as fast as the clients can go, and at a set
// rate.
type Measured struct {
	Throughput, Paced Report
	// ServerPID is the server process's id, gone once Run returns.
	ServerPID int
}

// Run seeds a data directory, starts `admin serve` on it as a child process on loopback,
// loads it, and stops it before returning, whatever happens.
func Run(ctx context.Context, o Options) (Results, error) {
	transports := o.Transports
	if len(transports) == 0 {
		transports = []string{"GET"}
	}
	for _, name := range transports {
		if name != "GET" && name != "POST" {
			return nil, fmt.Errorf("transport %q: GET or POST", name)
		}
	}
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	progress := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	binary := o.Binary
	if binary == "" {
		progress("building the admin binary")
		if binary, err = BuildAdmin(ctx, dir); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	start := time.Now()
	cdpIDs, err := prepare(ctx, data, o)
	if err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	progress("seeded %d audiences, %d rules, %d blocks in %s", len(cdpIDs), o.Rules, o.Blocks, time.Since(start).Round(time.Millisecond))

	srv, err := startServer(ctx, binary, data, filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	progress("admin serve is pid %d on %s", srv.cmd.Process.Pid, srv.base)

	tr := &http.Transport{MaxIdleConns: o.Clients * 2, MaxIdleConnsPerHost: o.Clients * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	// Each client has its own cart (three lines) and, unless fresh, is in 20 of the audiences.
	rng := rand.New(rand.NewPCG(11, 11))
	shoppers := make([]shopper, o.Clients)
	for i := range shoppers {
		own := rand.New(rand.NewPCG(uint64(i), 12))
		membership := strings.Join(drawAudiences(own, cdpIDs), ",")
		shoppers[i].membership = func() string { return membership }
		if o.Fresh {
			shoppers[i].membership = func() string { return strings.Join(drawAudiences(own, cdpIDs), ",") }
		}
		var created struct {
			CreateGuestCart struct{ Cart struct{ ID string } } `json:"createGuestCart"`
		}
		if err := post(ctx, client, srv.base, "", `mutation { createGuestCart { cart { id } } }`, nil, &created); err != nil {
			return nil, srv.explain(err)
		}
		shoppers[i].cart = created.CreateGuestCart.Cart.ID
		items := fmt.Sprintf(`[{sku: "SKU-%d", quantity: 2}, {sku: "SKU-%d", quantity: 1}, {sku: "SKU-%d", quantity: 3}]`, 1+rng.IntN(40), 41+rng.IntN(40), 81+rng.IntN(40))
		if err := post(ctx, client, srv.base, "", `mutation($c: String!) { addProductsToCart(cartId: $c, cartItems: `+items+`) { cart { id } } }`,
			map[string]any{"c": shoppers[i].cart}, nil); err != nil {
			return nil, srv.explain(err)
		}
	}
	if os.Getenv("LOADTEST_SAMPLE") != "" {
		var sample json.RawMessage
		err := post(ctx, client, srv.base, shoppers[0].membership(), query, map[string]any{"cart": shoppers[0].cart}, &sample)
		progress("sample answer (%d bytes, %v): %s", len(sample), err, sample)
	}
	// The transports take turns, the paced runs after the others, so that what the
	// machine's other tenants do weighs on them alike.
	res := Results{}
	measure := func(name string, rate int) (Report, error) {
		rep, err := load(ctx, client, srv, name, shoppers, o.Duration, rate)
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		return rep, err
	}
	for _, name := range transports {
		progress("%s, as fast as they can: %d clients for %s", name, o.Clients, o.Duration)
		rep, err := measure(name, 0)
		if err != nil {
			return nil, err
		}
		res[name] = Measured{Throughput: rep, ServerPID: srv.cmd.Process.Pid}
	}
	for _, name := range transports {
		if o.Rate > 0 {
			progress("%s, paced: %d clients, %d req/s in all, for %s", name, o.Clients, o.Rate, o.Duration)
			rep, err := measure(name, o.Rate)
			if err != nil {
				return nil, err
			}
			m := res[name]
			m.Paced = rep
			res[name] = m
		}
	}
	if err := srv.stop(); err != nil {
		return nil, err
	}
	return res, nil
}

// BuildAdmin builds ./cmd/admin of this module into dir and returns the binary's path.
func BuildAdmin(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	root := filepath.Dir(strings.TrimSpace(string(out)))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "go.mod") {
		return "", fmt.Errorf("finding the module to build the admin binary (run from the project, or pass -binary): %v", err)
	}
	bin := filepath.Join(dir, "admin")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/admin")
	build.Dir = root
	if msg, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/admin: %v\n%s", err, msg)
	}
	return bin, nil
}

// prepare seeds a data directory through the app's own services and closes the database,
// so that the server opens it as it would any store's. It returns the CDP's audience ids.
func prepare(ctx context.Context, dir string, o Options) ([]string, error) {
	settings := config.Settings{DataDir: dir, SessionIdle: time.Hour, SecretKey: secretKey}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	d, err := db.Open("", settings.SQLitePath())
	if err != nil {
		return nil, err
	}
	defer d.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := d.Migrate(ctx, quiet); err != nil {
		return nil, err
	}
	a := wiring.New(settings, d, quiet, []byte(secretKey))
	ids, err := seed(ctx, a, o)
	if err != nil {
		return nil, err
	}
	return ids, d.Close()
}

// server is the admin binary serving the prepared data directory.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	metrics string // its /metrics address
	logPath string
	exited  chan struct{} // closed once the process has been waited for
	waitErr error
	once    sync.Once
	stopErr error
}

// startServer starts `admin serve` on free loopback ports and waits (30 s at most) until it
// answers /readyz.
func startServer(ctx context.Context, binary, data, logPath string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd := exec.Command(binary, "serve", "--addr", addr, "--data", data, "--metrics-addr", metricsAddr)
	// The key that sealed the CDP secret while seeding; no token on /metrics, which is on
	// loopback and lives as long as the run.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, k := range []string{"SECRET_KEY=", "DATABASE_URL=", "METRICS_TOKEN=", "METRICS_ADDR=", "ADDR=", "DATA_DIR="} {
			if strings.HasPrefix(kv, k) {
				return true
			}
		}
		return false
	}), "SECRET_KEY="+secretKey)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a Ctrl-C reaches this process, which stops the server in
	// order; the kernel stops it too should this process die.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, metrics: "http://" + metricsAddr + "/metrics", logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	ready := time.Now().Add(30 * time.Second)
	for attempt := 0; ; attempt++ {
		res, err := http.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, s.explain(fmt.Errorf("admin serve exited: %v", s.waitErr))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(ready) || attempt > 600 {
			s.stop()
			return nil, s.explain(errors.New("admin serve not ready after 30 s"))
		}
	}
}

// freePort is a loopback address no one listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// stop ends the server: SIGTERM, and SIGKILL if it has not exited 10 s later. It is safe
// to call more than once; an exit other than the one asked for is an error.
func (s *server) stop() error {
	s.once.Do(func() {
		select {
		case <-s.exited:
			s.stopErr = s.explain(fmt.Errorf("admin serve exited early: %v", s.waitErr))
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
			if s.waitErr != nil {
				s.stopErr = s.explain(fmt.Errorf("admin serve on SIGTERM: %v", s.waitErr))
			}
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = s.explain(errors.New("admin serve ignored SIGTERM for 10 s and was killed"))
		}
	})
	return s.stopErr
}

// explain adds the end of the server's log to err.
func (s *server) explain(err error) error {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return err
	}
	return fmt.Errorf("%w\nadmin serve's log ends with:\n%s", err, b)
}

// usage is the server process's CPU time so far, its resident memory and its peak, from
// /proc (Linux).
type usage struct {
	cpu          time.Duration
	rss, peakRSS uint64
}

// clockTick is the unit of /proc/PID/stat's times: USER_HZ, 100 on every Linux ABI Go
// supports.
const clockTick = 10 * time.Millisecond

func procUsage(pid int) (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, fmt.Errorf("reading the server's CPU time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: the fields follow its last ')'.
	i := bytes.LastIndexByte(stat, ')')
	fields := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(fields) < 13 {
		return u, fmt.Errorf("unexpected /proc/%d/stat: %.200s", pid, stat)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return u, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	u.cpu = time.Duration(utime+stime) * clockTick
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		var kb uint64
		if _, err := fmt.Sscanf(strings.TrimSpace(value), "%d kB", &kb); err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			u.rss = kb << 10
		case "VmHWM":
			u.peakRSS = kb << 10
		}
	}
	return u, sc.Err()
}

// goStats are the server's heap allocation and GC count so far, from its /metrics.
func (s *server) goStats(ctx context.Context, c *http.Client) (alloc uint64, gcs int, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics, nil)
	res, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("the server's /metrics: status %d", res.StatusCode)
	}
	found := 0
	sc := bufio.NewScanner(io.LimitReader(res.Body, 4<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "go_memstats_alloc_bytes_total":
			alloc, found = uint64(v), found+1
		case name == "go_gc_duration_seconds_count":
			gcs, found = int(v), found+1
		}
	}
	if found < 2 {
		return 0, 0, errors.New("the server's /metrics has no go_memstats_alloc_bytes_total or go_gc_duration_seconds_count")
	}
	return alloc, gcs, sc.Err()
}

// shopper is one client: its cart and the membership header of its next request.
type shopper struct {
	cart       string
	membership func() string
}

// drawAudiences picks 20 of the audiences.
func drawAudiences(rng *rand.Rand, cdpIDs []string) []string {
	var ids []string
	for len(ids) < 20 && len(ids) < len(cdpIDs) {
		if id := cdpIDs[rng.IntN(len(cdpIDs))]; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// maxPerClient bounds one client's requests in a measurement, whatever the duration.
const maxPerClient = 5_000_000

// load runs the clients until d has passed. With rate 0 each client sends its next request
// as soon as the last is answered (throughput); otherwise the clients together send rate
// requests per second on a fixed schedule, and a request's latency counts from when it was
// due, so a slow answer that delays the next one is not hidden (latency at a given load).
// It measures the server process and this one apart.
func load(ctx context.Context, client *http.Client, srv *server, transport string, shoppers []shopper, d time.Duration, rate int) (Report, error) {
	var mu sync.Mutex
	var latencies []time.Duration
	report := Report{}
	var wg sync.WaitGroup
	pid := srv.cmd.Process.Pid
	serverBefore, err := procUsage(pid)
	if err != nil {
		return report, err
	}
	allocBefore, gcsBefore, err := srv.goStats(ctx, client)
	if err != nil {
		return report, err
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpuBefore := cpuTime()
	begin := time.Now()
	deadline := begin.Add(d)
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(len(shoppers)) / float64(rate))
	}
	for n, s := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs, first := 0, ""
			target, body := requestFor(srv.base, transport, s.cart)
			want := []byte(`"cart":{"id":"` + s.cart + `"`)
			due := begin.Add(interval * time.Duration(n) / time.Duration(len(shoppers)))
			for range maxPerClient {
				if rate > 0 {
					time.Sleep(time.Until(due))
				} else {
					due = time.Now()
				}
				if !due.Before(deadline) || ctx.Err() != nil {
					break
				}
				answer, err := do(ctx, client, transport, target, body, s.membership())
				mine = append(mine, time.Since(due))
				if err == nil && !bytes.Contains(answer, want) {
					err = fmt.Errorf("the answer has no cart: %.200s", answer)
				}
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
				}
				due = due.Add(interval)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			report.Errors += errs
			if report.FirstError == "" {
				report.FirstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	report.Elapsed = time.Since(begin)
	report.Requests = len(latencies)
	cpu := cpuTime() - cpuBefore
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	serverAfter, err := procUsage(pid)
	if err != nil {
		return report, srv.explain(err)
	}
	allocAfter, gcsAfter, err := srv.goStats(ctx, client)
	if err != nil {
		return report, srv.explain(err)
	}
	report.Server = Cost{GCs: gcsAfter - gcsBefore, RSS: serverAfter.rss, PeakRSS: serverAfter.peakRSS}
	report.Generator = Cost{GCs: int(after.NumGC - before.NumGC)}
	if n := report.Requests; n > 0 {
		report.Server.CPUPerRequest = (serverAfter.cpu - serverBefore.cpu) / time.Duration(n)
		report.Server.AllocPerRequest = (allocAfter - allocBefore) / uint64(n)
		report.Generator.CPUPerRequest = cpu / time.Duration(n)
		report.Generator.AllocPerRequest = (after.TotalAlloc - before.TotalAlloc) / uint64(n)
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		report.P50 = latencies[n/2]
		report.P99 = latencies[min(n-1, n*99/100)]
	}
	return report, nil
}

// requestFor is the address and body of cart's query over transport: a GET with the query
// and variables in the address, as Apollo Client sends queries for PWA Studio, or a POST
// with a JSON body. Both are encoded once, so that the generator spends the shared cores on
// the server rather than on itself.
func requestFor(base, transport, cart string) (target string, body []byte) {
	variables, _ := json.Marshal(map[string]any{"cart": cart})
	if transport == "GET" {
		return base + "/graphql?" + url.Values{"query": {query}, "variables": {string(variables)}}.Encode(), nil
	}
	body, _ = json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(variables)})
	return base + "/graphql", body
}

// do sends one prepared request with the membership header and returns the answer's body;
// a transport error, a status other than 200 or a GraphQL error is an error.
func do(ctx context.Context, c *http.Client, transport, target string, body []byte, membership string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, transport, target, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Header.Set("Accept", "*/*")
	}
	if membership != "" {
		req.Header.Set(audiences.MembershipName, membership)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return out, answerError(res.StatusCode, out)
}

// cpuTime is the user and system CPU time this process (the load generator) has used; the
// server, a child still running, is not in it.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// answerError is the error an answer carries: a status other than 200 or GraphQL errors.
func answerError(status int, body []byte) error {
	if status != http.StatusOK || bytes.Contains(body, []byte(`"errors":[`)) {
		return fmt.Errorf("status %d: %.300s", status, body)
	}
	return nil
}

// post sends one GraphQL request as POST and decodes its data into out.
func post(ctx context.Context, c *http.Client, base, membership, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	answer, err := do(ctx, c, http.MethodPost, base+"/graphql", body, membership)
	if err != nil || out == nil {
		return err
	}
	var data struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(answer, &data); err != nil {
		return err
	}
	return json.Unmarshal(data.Data, out)
}

// seed builds the store: audiences synced from the CDP emulator, 120 products in 20
// categories, the rules and the blocks. The snapshots are rebuilt once at the end rather
// than after each save.
func seed(ctx context.Context, a *wiring.App, o Options) ([]string, error) {
	who := audit.Actor{Username: "loadtest"}
	emu := cdpemu.New("load0123456789abcdef0123456789ab", "p8e-loadtest-secret", "LOAD0123456789ABCDEF0123@AdobeOrg", "prod")
	defer emu.Close()
	cdpIDs := emu.Seed(o.Audiences)
	const datastream = "5a0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"
	emu.Activate(emu.AddDestination(datastream), cdpIDs...)
	if _, err := a.StoreConfig.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPClientID: emu.ClientID, config.PathCDPClientSecret: emu.ClientSecret, config.PathCDPOrgID: emu.OrgID,
		config.PathCDPSandbox: emu.Sandbox, config.PathCDPTechAccountID: "load1234@techacct.adobe.com",
		config.PathCDPTechAccountEmail: "load1234@techacct.adobe.com", config.PathCDPIMSURL: emu.URL(), config.PathCDPPlatformURL: emu.URL(),
	}}); err != nil {
		return nil, err
	}
	if _, err := a.StoreConfig.Save(ctx, who, config.Website(1), config.Submission{Values: map[string]string{config.PathDatastreamID: datastream}}); err != nil {
		return nil, err
	}
	if _, err := a.Syncer.Run(ctx, audiences.TriggerManual); err != nil {
		return nil, err
	}
	local, err := a.Audiences.LocalIDs(ctx, cdpIDs)
	if err != nil {
		return nil, err
	}
	var localIDs []int64
	for _, id := range cdpIDs {
		localIDs = append(localIDs, local[id])
	}
	var csv strings.Builder
	csv.WriteString("sku,name,price,weight,categories,websites,attributes\n")
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&csv, "SKU-%d,Product %d,%d.%02d,0.5,C%d,base,color=c%d\n", i, i, 5+i%50, i%100, i%20, i%7)
	}
	if _, err := a.Catalog.Import(ctx, who, strings.NewReader(csv.String())); err != nil {
		return nil, err
	}
	cats, err := a.Catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	a.PriceRules.OnChange, a.Blocks.OnChange = nil, nil
	rng := rand.New(rand.NewPCG(7, 7))
	for i, r := range storeRules(o.Rules, localIDs, cats, rng) {
		if _, err := a.PriceRules.Save(ctx, who, r); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
	}
	var hero []dynamicblocks.PlacementBlock
	for i := 0; i < o.Blocks; i++ {
		b := dynamicblocks.Block{Name: fmt.Sprintf("Block %d", i), Enabled: true, Type: dynamicblocks.TypeContent,
			Content: fmt.Sprintf(`<h2>Offer %d</h2><p>Only for you: <a href="/store/products">shop now</a></p>`, i)}
		if i%10 != 0 { // nine blocks in ten are for an audience
			b.AudienceIDs = []int64{localIDs[rng.IntN(len(localIDs))]}
		}
		saved, _, err := a.Blocks.SaveBlock(ctx, who, b)
		if err != nil {
			return nil, err
		}
		if i < 200 {
			hero = append(hero, dynamicblocks.PlacementBlock{BlockID: saved.ID, SortOrder: i})
		}
	}
	half := len(hero) / 2
	for i, p := range []dynamicblocks.Placement{
		{Title: "Home hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll, Blocks: hero[:half]},
		{Title: "Sidebar", Location: "right", Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateRandom, Blocks: hero[half:]},
	} {
		if _, err := a.Blocks.SavePlacement(ctx, who, p); err != nil {
			return nil, fmt.Errorf("placement %d: %w", i, err)
		}
	}
	a.LiveRules.Reload()
	a.LiveBlocks.Reload()
	return cdpIDs, nil
}

// storeRules are n active rules shaped like a large store's: 80 % gated by an audience
// (and a subtotal), 10 % needing a coupon, 8 % for other customer groups, 2 % for
// everyone; actions on one of the categories, of every type.
func storeRules(n int, audienceIDs []int64, cats []catalog.Category, rng *rand.Rand) []pricerules.Rule {
	actions := []pricerules.ActionType{pricerules.ByPercent, pricerules.ByFixed, pricerules.CartFixed, pricerules.BuyXGetY}
	out := make([]pricerules.Rule, n)
	for i := range out {
		r := pricerules.Rule{Name: fmt.Sprintf("Rule %d", i), Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1, 2, 3},
			CouponType: pricerules.CouponNone, Action: actions[i%4], Priority: rng.IntN(10), FreeShipping: pricerules.FreeShippingNo,
			DefaultLabel: fmt.Sprintf("Offer %d", i), Conditions: pricerules.All()}
		switch r.Action {
		case pricerules.ByPercent:
			r.Amount = 500
		case pricerules.ByFixed:
			r.Amount = 50
		case pricerules.CartFixed:
			r.Amount = 300
		case pricerules.BuyXGetY:
			r.Amount, r.Step = 1, 2
		}
		cat := cats[rng.IntN(len(cats))]
		r.ActionConditions = pricerules.All(pricerules.Condition{Kind: pricerules.KindProduct, Attribute: pricerules.AttrCategories,
			Operator: pricerules.OpOneOf, Values: []string{strconv.FormatInt(cat.ID, 10)}})
		switch k := i % 50; {
		case k < 40:
			// A targeted offer usually discards subsequent rules, so offers do not stack.
			r.StopFurther = rng.IntN(2) == 0
			r.Conditions = pricerules.All(
				pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{strconv.FormatInt(audienceIDs[rng.IntN(len(audienceIDs))], 10)}},
				pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrSubtotal, Operator: pricerules.OpGTE, Value: "20"})
		case k < 45:
			r.CouponType, r.CouponCode = pricerules.CouponSpecific, fmt.Sprintf("CODE%d", i)
		case k < 49:
			r.CustomerGroupIDs = []int64{2, 3}
		default:
			r.Conditions = pricerules.All(pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrSubtotal, Operator: pricerules.OpGTE,
				Value: strconv.Itoa(rng.IntN(500))})
		}
		out[i] = r
	}
	return out
}
