// Command loadtest measures the storefront GraphQL API on loopback, as `make bench` runs it:
// a store with 10,000 active cart price rules, 1,000 dynamic blocks and 1,000 audiences, and
// concurrent clients that each ask, again and again, for their cart with prices plus the
// dynamic blocks they see. It prints requests per second, p50, p99 and errors, for queries
// sent as GET (as PWA Studio sends every query) and as POST.
//
// Everything is real: SQLite under a temporary directory, the migrations, the audiences
// synced from the CDP emulator over HTTP, the whole HTTP stack of the admin binary.
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
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"audienceactivation/internal/app"
	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/web"
)

// Options shape the store and the load.
type Options struct {
	Rules, Blocks, Audiences int
	Clients                  int
	Duration                 time.Duration
	Log                      io.Writer // progress; nil: none
	Profile                  string    // CPU profile file of the load phase; "": none
	MemProfile               string    // allocation profile file written after the load; "": none
	// Rate is the total requests per second of the paced measurement; 0 skips it.
	Rate int
	// Transports are the ways the query is sent, each measured: "GET" (the query in the
	// address, Accept: */*, as Apollo Client sends it when told to use GET for queries, as
	// PWA Studio does) and "POST" (a JSON body). None: GET.
	Transports []string
	// Fresh makes every request a new shopper: 20 audiences drawn at random each time, so
	// no two requests price a cart for the same audiences and the rule snapshot's memory of
	// recent totals never answers (the engine prices every request).
	Fresh bool
}

// Report is what a run measured.
type Report struct {
	Requests, Errors int
	Elapsed          time.Duration
	P50, P99         time.Duration
	FirstError       string
	// AllocPerRequest is the heap allocated per request, by server and clients together;
	// GCs is the number of collections during the run and LiveHeap the heap in use after it.
	AllocPerRequest uint64
	GCs             uint32
	LiveHeap        uint64
	// CPUPerRequest is the process's CPU time (server and clients) per request: steadier
	// than req/s on a shared host, whose other tenants take cores away.
	CPUPerRequest time.Duration
}

// RPS is requests per second.
func (r Report) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Targets on 2 cores with SQLite.
const (
	TargetRPS = 2000
	TargetP99 = 10 * time.Millisecond
)

func main() {
	var o Options
	flag.IntVar(&o.Rules, "rules", 10000, "active cart price rules")
	flag.IntVar(&o.Blocks, "blocks", 1000, "dynamic blocks")
	flag.IntVar(&o.Audiences, "audiences", 1000, "audiences in the CDP")
	flag.IntVar(&o.Clients, "clients", 32, "concurrent clients")
	flag.DurationVar(&o.Duration, "duration", 20*time.Second, "how long each measurement loads the server")
	transports := flag.String("transports", "GET,POST", "how queries are sent, each measured: GET, POST or both")
	flag.IntVar(&o.Rate, "rate", TargetRPS, "total req/s of the paced measurement (0: skip it)")
	flag.BoolVar(&o.Fresh, "fresh", false, "every request a new shopper (other audiences), so every cart is priced afresh")
	check := flag.Bool("check", false, "exit 1 when a target is missed")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the load phase to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile to this file after the load")
	flag.Parse()
	o.Profile = *profile
	o.MemProfile = *memprofile
	o.Transports = strings.Split(strings.ToUpper(*transports), ",")
	app.TuneRuntime(os.Getenv) // the server runs in this process, as the admin binary runs it
	o.Log = os.Stderr
	r, err := Run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	shoppers := "each client the same shopper (carts priced again come from the rules' memory)"
	if o.Fresh {
		shoppers = "every request a new shopper (every cart priced afresh)"
	}
	fmt.Printf("storefront API load on loopback: %d active rules, %d blocks, %d audiences, %d clients, cart with prices + dynamicBlocks, %s\n",
		o.Rules, o.Blocks, o.Audiences, o.Clients, shoppers)
	met := true
	for _, name := range o.Transports {
		t, p := r[name].Throughput, r[name].Paced
		fmt.Printf(" %s:\n", name)
		fastMet := t.RPS() >= TargetRPS && t.Errors == 0
		fmt.Printf("  as fast as possible: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors of %d requests in %s (target ≥ %d req/s, 0 errors: %s)\n",
			t.RPS(), ms(t.P50), ms(t.P99), t.Errors, t.Requests, t.Elapsed.Round(time.Millisecond), TargetRPS, verdict(fastMet))
		met = met && fastMet
		if o.Rate > 0 {
			pacedMet := p.P99 <= TargetP99 && p.Errors == 0
			met = met && pacedMet
			fmt.Printf("  paced at %d req/s:   %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors of %d requests in %s (target p99 ≤ %s, 0 errors: %s)\n",
				o.Rate, p.RPS(), ms(p.P50), ms(p.P99), p.Errors, p.Requests, p.Elapsed.Round(time.Millisecond), TargetP99, verdict(pacedMet))
		}
		fmt.Printf("  cost: %d µs of CPU and %d KB allocated per request (server and clients), %d GCs in %s, %d MB heap in use\n",
			t.CPUPerRequest.Microseconds(), t.AllocPerRequest/1024, t.GCs, t.Elapsed.Round(time.Second), t.LiveHeap>>20)
		for _, e := range []string{t.FirstError, p.FirstError} {
			if e != "" {
				fmt.Println("  first error:", e)
			}
		}
	}
	if *check && !met {
		os.Exit(1)
	}
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
}

// Run builds the store, starts the server on loopback and loads it.
func Run(ctx context.Context, o Options) (Results, error) {
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
	d, err := db.Open("", dir+"/store.db")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := d.Migrate(ctx, quiet); err != nil {
		return nil, err
	}
	a := app.New(config.Settings{DataDir: dir, SessionIdle: time.Hour}, d, quiet, []byte("loadtest-master-key-0123456789abcdef"))
	start := time.Now()
	cdpIDs, err := seed(ctx, a, o)
	if err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	progress("seeded %d audiences, %d rules, %d blocks in %s", len(cdpIDs), o.Rules, o.Blocks, time.Since(start).Round(time.Millisecond))
	srv := httptest.NewServer(web.New(web.DepsFrom(a)))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: o.Clients * 2, MaxConnsPerHost: o.Clients * 2}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()

	// Each client has its own cart (three lines) and is in 20 of the audiences.
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
		if err := post(client, srv.URL, "", `mutation { createGuestCart { cart { id } } }`, nil, &created); err != nil {
			return nil, err
		}
		shoppers[i].cart = created.CreateGuestCart.Cart.ID
		items := fmt.Sprintf(`[{sku: "SKU-%d", quantity: 2}, {sku: "SKU-%d", quantity: 1}, {sku: "SKU-%d", quantity: 3}]`, 1+rng.IntN(40), 41+rng.IntN(40), 81+rng.IntN(40))
		if err := post(client, srv.URL, "", `mutation($c: String!) { addProductsToCart(cartId: $c, cartItems: `+items+`) { cart { id } } }`,
			map[string]any{"c": shoppers[i].cart}, nil); err != nil {
			return nil, err
		}
	}
	if os.Getenv("LOADTEST_SAMPLE") != "" {
		var sample json.RawMessage
		err := post(client, srv.URL, shoppers[0].membership(), query, map[string]any{"cart": shoppers[0].cart}, &sample)
		progress("sample answer (%d bytes, %v): %s", len(sample), err, sample)
	}
	if o.Profile != "" {
		f, err := os.Create(o.Profile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	transports := o.Transports
	if len(transports) == 0 {
		transports = []string{"GET"}
	}
	for _, name := range transports {
		if name != "GET" && name != "POST" {
			return nil, fmt.Errorf("transport %q: GET or POST", name)
		}
	}
	// The transports take turns, the paced runs after the others, so that what the
	// machine's other tenants do weighs on them alike.
	res := Results{}
	for _, name := range transports {
		progress("%s, as fast as they can: %d clients for %s", name, o.Clients, o.Duration)
		res[name] = Measured{Throughput: load(srv.URL, name, shoppers, o.Duration, 0)}
	}
	for _, name := range transports {
		if o.Rate > 0 {
			progress("%s, paced: %d clients, %d req/s in all, for %s", name, o.Clients, o.Rate, o.Duration)
			m := res[name]
			m.Paced = load(srv.URL, name, shoppers, o.Duration, o.Rate)
			res[name] = m
		}
	}
	if o.MemProfile != "" {
		f, err := os.Create(o.MemProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return nil, err
		}
	}
	return res, nil
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

// load runs the clients until d has passed. With rate 0 each client sends its next request
// as soon as the last is answered (throughput); otherwise the clients together send rate
// requests per second on a fixed schedule, and a request's latency counts from when it was
// due, so a slow answer that delays the next one is not hidden (latency at a given load).
func load(base, transport string, shoppers []shopper, d time.Duration, rate int) Report {
	var mu sync.Mutex
	var latencies []time.Duration
	report := Report{}
	var wg sync.WaitGroup
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
			// The request is the same each time: encode it once, so the generator spends the
			// shared cores on the server, not on itself.
			conn := newConn(base, transport, s.cart)
			defer conn.close()
			due := begin.Add(interval * time.Duration(n) / time.Duration(len(shoppers)))
			for {
				if rate > 0 {
					time.Sleep(time.Until(due))
				} else {
					due = time.Now()
				}
				if !due.Before(deadline) {
					break
				}
				answer, err := conn.send(s.membership())
				mine = append(mine, time.Since(due))
				if err == nil && !bytes.Contains(answer, []byte(`"cart":{"id":"`+s.cart+`"`)) {
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
	report.GCs = after.NumGC - before.NumGC
	report.LiveHeap = after.HeapInuse
	if report.Requests > 0 {
		report.AllocPerRequest = (after.TotalAlloc - before.TotalAlloc) / uint64(report.Requests)
		report.CPUPerRequest = cpu / time.Duration(report.Requests)
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		report.P50 = latencies[n/2]
		report.P99 = latencies[min(n-1, n*99/100)]
	}
	return report
}

// conn is one client's keep-alive HTTP/1.1 connection to the server. It writes the
// request's bytes, encoded once, and reads the answer with a parser of its own, as wrk
// does: net/http's client (its connection goroutines, its header maps) cost as much CPU as
// a tenth of the server's work, and the generator shares the server's cores.
type conn struct {
	addr string
	head string // the request line and headers but the membership
	body []byte
	req  []byte // the last request, reused
	c    net.Conn
	r    *bufio.Reader
	out  []byte // the last answer's body, reused
}

// newConn is a client asking for cart's query over transport: a GET with the query,
// operation and variables in the address and Accept: */*, as Apollo Client sends queries
// for PWA Studio, or a POST with a JSON body.
func newConn(base, transport, cart string) *conn {
	u, _ := url.Parse(base)
	variables, _ := json.Marshal(map[string]any{"cart": cart})
	if transport == "GET" {
		target := "/graphql?" + url.Values{"query": {query}, "variables": {string(variables)}}.Encode()
		return &conn{addr: u.Host, head: fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\n", target, u.Host)}
	}
	body, _ := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(variables)})
	head := fmt.Sprintf("POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", u.Host, len(body))
	return &conn{addr: u.Host, head: head, body: body}
}

// send posts the request with the membership header and returns the answer's body, valid
// until the next send; a transport error, a status other than 200 or a GraphQL error is an
// error, after which the next send connects again.
func (c *conn) send(membership string) ([]byte, error) {
	c.req = append(c.req[:0], c.head...)
	if membership != "" {
		c.req = append(append(append(append(c.req, audiences.MembershipName...), ": "...), membership...), "\r\n"...)
	}
	c.req = append(append(c.req, "\r\n"...), c.body...)
	out, err := c.roundTrip()
	if err != nil {
		c.close()
		return nil, err
	}
	return out, nil
}

func (c *conn) roundTrip() ([]byte, error) {
	if c.c == nil {
		nc, err := net.DialTimeout("tcp", c.addr, 10*time.Second)
		if err != nil {
			return nil, err
		}
		c.c, c.r = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	c.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.c.Write(c.req); err != nil {
		return nil, err
	}
	status, closing, err := c.readAnswer()
	if err != nil {
		return nil, err
	}
	if err := answerError(status, c.out); err != nil {
		return nil, err
	}
	if closing {
		c.close()
	}
	return c.out, nil
}

// readAnswer reads an HTTP/1.1 response into c.out: its status, and whether the server
// closes the connection after it. The body has a Content-Length or is chunked.
func (c *conn) readAnswer() (status int, closing bool, err error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("not an HTTP/1 status line: %q", line)
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, false, fmt.Errorf("status line %q: %w", line, err)
	}
	length, chunked := -1, false
	for {
		if line, err = c.r.ReadSlice('\n'); err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	c.out = c.out[:0]
	switch {
	case chunked:
		for {
			if line, err = c.r.ReadSlice('\n'); err != nil {
				return 0, false, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimRight(line, "\r\n")), 16, 32)
			if err != nil || size < 0 {
				return 0, false, fmt.Errorf("chunk size %q", line)
			}
			if size == 0 {
				break
			}
			if err := c.readBody(int(size)); err != nil {
				return 0, false, err
			}
			if _, err := c.r.Discard(2); err != nil { // the chunk's CRLF
				return 0, false, err
			}
		}
		for { // trailers, up to the empty line
			if line, err = c.r.ReadSlice('\n'); err != nil {
				return 0, false, err
			}
			if len(bytes.TrimRight(line, "\r\n")) == 0 {
				break
			}
		}
	case length >= 0:
		if err := c.readBody(length); err != nil {
			return 0, false, err
		}
	default:
		return 0, false, errors.New("an answer with neither Content-Length nor chunks")
	}
	return status, closing, nil
}

// readBody appends the next n bytes to c.out.
func (c *conn) readBody(n int) error {
	start := len(c.out)
	c.out = slices.Grow(c.out, n)[:start+n]
	_, err := io.ReadFull(c.r, c.out[start:])
	return err
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// send posts one GraphQL request and returns the body; a transport error, a status other
// than 200 or a GraphQL error is an error.
func send(c *http.Client, base, membership, query string, vars map[string]any) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if membership != "" {
		req.Header.Set(audiences.MembershipName, membership)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return out, answerError(res.StatusCode, out)
}

// answerError is the error an answer carries: a status other than 200 or GraphQL errors.
func answerError(status int, body []byte) error {
	if status != http.StatusOK || bytes.Contains(body, []byte(`"errors":[`)) {
		return fmt.Errorf("status %d: %.300s", status, body)
	}
	return nil
}

// post sends one GraphQL request and decodes its data into out.
func post(c *http.Client, base, membership, query string, vars map[string]any, out any) error {
	body, err := send(c, base, membership, query, vars)
	if err != nil || out == nil {
		return err
	}
	var answer struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return err
	}
	return json.Unmarshal(answer.Data, out)
}

// seed builds the store: audiences synced from the CDP emulator, 120 products in 20
// categories, the rules and the blocks. The snapshots are rebuilt once at the end rather
// than after each save.
func seed(ctx context.Context, a *app.App, o Options) ([]string, error) {
	who := audit.Actor{Username: "loadtest"}
	emu := cdpemu.New("load0123456789abcdef0123456789ab", "p8e-loadtest-secret", "LOAD0123456789ABCDEF0123@AdobeOrg", "prod")
	defer emu.Close()
	cdpIDs := emu.Seed(o.Audiences)
	const datastream = "5a0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"
	emu.Activate(emu.AddDestination(datastream), cdpIDs...)
	if _, err := a.Services.Save(ctx, who, config.Default, config.Submission{Values: map[string]string{
		config.PathCDPClientID: emu.ClientID, config.PathCDPClientSecret: emu.ClientSecret, config.PathCDPOrgID: emu.OrgID,
		config.PathCDPSandbox: emu.Sandbox, config.PathCDPTechAccountID: "load1234@techacct.adobe.com",
		config.PathCDPTechAccountEmail: "load1234@techacct.adobe.com", config.PathCDPIMSURL: emu.URL(), config.PathCDPPlatformURL: emu.URL(),
	}}); err != nil {
		return nil, err
	}
	if _, err := a.Services.Save(ctx, who, config.Website(1), config.Submission{Values: map[string]string{config.PathDatastreamID: datastream}}); err != nil {
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
	a.Rules.OnChange, a.Blocks.OnChange = nil, nil
	rng := rand.New(rand.NewPCG(7, 7))
	for i, r := range storeRules(o.Rules, localIDs, cats, rng) {
		if _, err := a.Rules.Save(ctx, who, r); err != nil {
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
