package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"audienceactivation/internal/db/dbtest"
	"audienceactivation/web"
)

// enforceTwoFactor runs the app as production does: two-factor sign-in required.
func enforceTwoFactor(d *web.Deps) { d.Settings.TwoFactorOff = false }

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(strings.ReplaceAll(secret, " ", ""), at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// passwordStep signs in with a password and returns where the server sends the browser.
func (c *client) passwordStep(username, password string) string {
	c.t.Helper()
	c.get("/admin/login")
	p := c.post("/admin/login", url.Values{"username": {username}, "password": {password}})
	wantStatus(c.t, p, http.StatusSeeOther)
	return p.header.Get("Location")
}

func TestTwoFactorEnrolmentAndSignIn(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), enforceTwoFactor)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	if p := c.get("/admin/login"); p.testid("two-factor-off").Length() != 0 {
		t.Fatal("the sign-in page says two-factor sign-in is off while it is enforced")
	}
	if loc := c.passwordStep("admin", "correct-horse-1"); loc != "/admin/login/2fa/setup" {
		t.Fatalf("after the password: %q, want the enrolment page", loc)
	}
	// A right password alone opens nothing.
	if p := c.get("/admin"); p.status != http.StatusSeeOther {
		t.Fatalf("dashboard after the password alone: %d", p.status)
	}
	setup := c.get("/admin/login/2fa/setup")
	wantStatus(t, setup, http.StatusOK)
	secret := setup.text(`[data-testid="totp-secret"]`)
	qr := setup.testid("totp-qr").AttrOr("src", "")
	if len(strings.ReplaceAll(secret, " ", "")) != 32 || !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Fatalf("enrolment page: key %q, QR %.40q", secret, qr)
	}
	if setup.header.Get("Cache-Control") != "no-store" {
		t.Fatal("the enrolment page may be cached")
	}
	p := c.post("/admin/login/2fa/setup", url.Values{"code": {"12345"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	now := time.Now()
	p = c.post("/admin/login/2fa/setup", url.Values{"code": {totpCode(t, secret, now)}})
	wantStatus(t, p, http.StatusOK)
	var codes []string
	p.testid("recovery-codes").Find("code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	wantStatus(t, c.get("/admin"), http.StatusOK)
	c.post("/admin/logout", nil)

	// Next sign-in: the code form, a code of the next time step (the one used is spent).
	if loc := c.passwordStep("admin", "correct-horse-1"); loc != "/admin/login/2fa" {
		t.Fatalf("after the password: %q, want the code form", loc)
	}
	form := c.get("/admin/login/2fa")
	if form.text(`[data-testid="two-factor-user"]`) != "admin" {
		t.Fatal("code form does not say who signs in")
	}
	p = c.post("/admin/login/2fa", url.Values{"code": {totpCode(t, secret, now)}})
	wantStatus(t, p, http.StatusUnprocessableEntity) // replay of the enrolment code
	p = c.post("/admin/login/2fa", url.Values{"code": {totpCode(t, secret, now.Add(30*time.Second))}})
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, c.get(p.header.Get("Location")), http.StatusOK)
	c.post("/admin/logout", nil)

	// A recovery code signs in once, and says how many are left.
	c.passwordStep("admin", "correct-horse-1")
	c.get("/admin/login/2fa")
	p = c.post("/admin/login/2fa", url.Values{"code": {codes[3]}})
	wantStatus(t, p, http.StatusSeeOther)
	home := c.get(p.header.Get("Location"))
	if !strings.Contains(home.text(`[data-testid="flash-info"]`), "9 unused codes left") {
		t.Fatalf("recovery sign-in message %q", home.text(`[data-testid="flash-info"]`))
	}
	c.post("/admin/logout", nil)
	c.passwordStep("admin", "correct-horse-1")
	c.get("/admin/login/2fa")
	wantStatus(t, c.post("/admin/login/2fa", url.Values{"code": {codes[3]}}), http.StatusUnprocessableEntity)
}

func TestTwoFactorCodesAreThrottledAndTheStepExpires(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), enforceTwoFactor)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.passwordStep("admin", "correct-horse-1")
	setup := c.get("/admin/login/2fa/setup")
	secret := setup.text(`[data-testid="totp-secret"]`)
	wantStatus(t, c.post("/admin/login/2fa/setup", url.Values{"code": {totpCode(t, secret, time.Now())}}), http.StatusOK)
	c.get("/admin")
	wantStatus(t, c.post("/admin/logout", nil), http.StatusSeeOther)

	c.passwordStep("admin", "correct-horse-1")
	c.get("/admin/login/2fa")
	for i := 0; i < 5; i++ {
		wantStatus(t, c.post("/admin/login/2fa", url.Values{"code": {"000000"}}), http.StatusUnprocessableEntity)
	}
	p := c.post("/admin/login/2fa", url.Values{"code": {totpCode(t, secret, time.Now().Add(30*time.Second))}})
	wantStatus(t, p, http.StatusTooManyRequests)
	if !strings.Contains(p.text(`[data-testid="login-error"]`), "Too many wrong codes") || p.header.Get("Retry-After") == "" {
		t.Fatalf("throttle message %q", p.text(`[data-testid="login-error"]`))
	}
	// The waiting step lasts five minutes; then the password is asked again.
	a.clock.Advance(6 * time.Minute)
	p = c.get("/admin/login/2fa")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/login" {
		t.Fatalf("stale second step: %d %q", p.status, p.header.Get("Location"))
	}
}

func TestSignInPageSaysWhenTwoFactorIsOff(t *testing.T) {
	a := newApp(t) // the harness's development switch
	a.createAdmin("admin", "correct-horse-1")
	p := a.client().get("/admin/login")
	if !strings.Contains(p.text(`[data-testid="two-factor-off"]`), "switched off") {
		t.Fatalf("sign-in page: %q", p.text("main"))
	}
}

func TestAdminResetsTwoFactor(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), enforceTwoFactor)
	a.createAdmin("admin", "correct-horse-1")
	jane := a.createAdmin("jane", "correct-horse-2")
	enrol := func(c *client, user, pw string, at time.Time) string {
		c.passwordStep(user, pw)
		secret := c.get("/admin/login/2fa/setup").text(`[data-testid="totp-secret"]`)
		wantStatus(t, c.post("/admin/login/2fa/setup", url.Values{"code": {totpCode(t, secret, at)}}), http.StatusOK)
		return secret
	}
	c := a.client()
	enrol(c, "admin", "correct-horse-1", time.Now())
	j := a.client()
	enrol(j, "jane", "correct-horse-2", time.Now())
	if got := c.get("/admin/users").testid("two-factor").Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(got, ",") != "On,On" {
		t.Fatalf("users grid two-factor column: %v", got)
	}
	edit := c.get("/admin/users/" + itoa(jane.ID) + "/edit")
	if !strings.HasPrefix(edit.text(`[data-testid="two-factor-status"]`), "On since") || edit.testid("reset-2fa").Length() != 1 {
		t.Fatalf("users page: status %q", edit.text(`[data-testid="two-factor-status"]`))
	}
	p := c.post("/admin/users/"+itoa(jane.ID), url.Values{"email": {"jane@example.com"}, "is_active": {"1"}, "reset_2fa": {"1"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := j.get("/admin"); p.status != http.StatusSeeOther {
		t.Fatal("reset did not end jane's session")
	}
	if loc := j.passwordStep("jane", "correct-horse-2"); loc != "/admin/login/2fa/setup" {
		t.Fatalf("after reset jane goes to %q, want enrolment", loc)
	}
}

// A session begun while two-factor sign-in was off does not survive its being turned on.
func TestSessionsWithoutASecondFactorEndWhenItIsEnforced(t *testing.T) {
	d := dbtest.New(t)
	off := newAppOn(t, d)
	off.createAdmin("admin", "correct-horse-1")
	c := off.client()
	c.signIn("admin", "correct-horse-1")
	on := newAppOn(t, d, enforceTwoFactor)
	// The same browser, the same key: the cookie decodes on the enforcing server.
	req, _ := http.NewRequest(http.MethodGet, on.server.URL+"/admin", nil)
	for _, ck := range c.http.Jar.Cookies(mustURL(t, off.server.URL+"/admin")) {
		req.AddCookie(ck)
	}
	p := on.client().do(req)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/admin/login") {
		t.Fatalf("session without a second factor on an enforcing server: %d %q", p.status, p.header.Get("Location"))
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
