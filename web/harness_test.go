package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/web"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// app is the whole admin application on a real database behind a real HTTP server.
type app struct {
	t      *testing.T
	db     *db.DB
	server *httptest.Server
	srv    *web.Server
	auth   *auth.Service
	logs   *syncBuffer
	clock  *fakeClock
	full   *wiring.App
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const testKey = "test-master-key-0123456789abcdef-0123456789"

func newApp(t *testing.T) *app {
	t.Helper()
	d := dbtest.New(t)
	return newAppOn(t, d)
}

func newAppOn(t *testing.T, d *db.DB, opts ...func(*web.Deps)) *app {
	t.Helper()
	logs := &syncBuffer{}
	clock := &fakeClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	full := wiring.New(config.Settings{SessionIdle: 30 * time.Minute}, d, logger, []byte(testKey),
		audiences.WithRetries(1, time.Millisecond), audiences.WithHTTPClient(&http.Client{Timeout: 2 * time.Second}))
	a := &app{t: t, db: d, logs: logs, clock: clock, auth: full.Auth, full: full}
	full.Now = clock.Now
	deps := full.Deps
	// Most tests sign in with a password alone (the development switch); the two-factor
	// tests turn it back on with enforceTwoFactor.
	deps.Settings.TwoFactorOff = true
	for _, o := range opts {
		o(&deps)
	}
	a.srv = web.New(deps)
	a.server = httptest.NewServer(a.srv)
	t.Cleanup(a.server.Close)
	return a
}

// createAdmin adds an administrator through the service, as `admin user create` does.
func (a *app) createAdmin(username, password string) auth.User {
	a.t.Helper()
	u, err := a.auth.Create(context.Background(), audit.Actor{Username: "test"}, auth.NewUser{Username: username, Email: username + "@example.com", Password: password})
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
type client struct {
	t    *testing.T
	app  *app
	http *http.Client
	csrf string
}

func (a *app) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p page) text(sel string) string { return strings.TrimSpace(p.doc.Find(sel).Text()) }

func (p page) testid(id string) *goquery.Selection { return p.doc.Find(`[data-testid="` + id + `"]`) }

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b))
	p := page{status: res.StatusCode, header: res.Header, body: string(b), doc: doc}
	if tok, ok := doc.Find(`input[name="_csrf"]`).Attr("value"); ok && tok != "" {
		c.csrf = tok
	}
	return p
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.server.URL+path, nil)
	return c.do(req)
}

// post submits a form with the CSRF token the last page carried.
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.app.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) signIn(username, password string) page {
	c.t.Helper()
	c.get("/admin/login")
	p := c.post("/admin/login", url.Values{"username": {username}, "password": {password}})
	if p.status != http.StatusSeeOther {
		c.t.Fatalf("sign-in as %s: status %d, want 303; body: %s", username, p.status, p.text(`[data-testid="login-error"]`))
	}
	return c.get(p.header.Get("Location"))
}

func wantStatus(t *testing.T, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("status %d, want %d; page: %.400s", p.status, want, p.text("main"))
	}
}
