package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const forgedDatastream = "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"

func datastreamSaved(c *client) string {
	return c.get("/admin/config/services").doc.Find(`#experience_platform-datastream_id`).AttrOr("value", "")
}

// A sibling origin that can set cookies on our host plants aa_csrf and sends the same value
// in the form (the double-submit pattern's weakness): refused, the token lives in the session.
func TestCSRFPlantedCookieWithMatchingFormValueIsRefused(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	u, _ := url.Parse(a.server.URL + "/admin")
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "aa_csrf", Value: "planted-by-a-sibling", Path: "/admin"}})
	p := c.post("/admin/config/services", url.Values{"_csrf": {"planted-by-a-sibling"}, "experience_platform/datastream_id": {forgedDatastream}})
	wantStatus(t, p, http.StatusForbidden)
	if got := datastreamSaved(c); got != "" {
		t.Fatalf("forged request saved %q", got)
	}
}

func TestCSRFTokenInTheQueryStringIsRefused(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	c.get("/admin/config/services")
	tok := c.csrf
	if tok == "" {
		t.Fatal("no token on the page")
	}
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/admin/config/services?_csrf="+url.QueryEscape(tok),
		strings.NewReader(url.Values{"experience_platform/datastream_id": {forgedDatastream}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, c.do(req), http.StatusForbidden)
	if got := datastreamSaved(c); got != "" {
		t.Fatalf("query-string token accepted: saved %q", got)
	}
	// The same token in the body is accepted, and so is the header.
	p := c.post("/admin/config/services", url.Values{"_csrf": {tok}, "experience_platform/datastream_id": {forgedDatastream}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("valid token in the body: status %d", p.status)
	}
	req, _ = http.NewRequest(http.MethodPost, a.server.URL+"/admin/audiences/sync", nil)
	req.Header.Set("X-CSRF-Token", tok)
	if p := c.do(req); p.status == http.StatusForbidden {
		t.Fatal("valid token in the header refused")
	}
}

func TestCSRFTokenChangesAtSignInAndSignOut(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.get("/admin/login")
	before := c.csrf
	c.signIn("admin", "correct-horse-1")
	c.get("/admin/users")
	after := c.csrf
	if before == "" || after == "" || before == after {
		t.Fatalf("token before sign-in %q, after %q: want two different tokens", before, after)
	}
	// The signed-out token no longer works.
	p := c.post("/admin/config/services", url.Values{"_csrf": {before}, "experience_platform/datastream_id": {forgedDatastream}})
	wantStatus(t, p, http.StatusForbidden)
	c.post("/admin/logout", nil)
	c.get("/admin/login")
	if c.csrf == after {
		t.Fatal("token kept across sign-out")
	}
}

// Another session's token (the attacker's own) is worthless in the victim's session.
func TestCSRFTokenIsBoundToItsSession(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	a.createAdmin("mallory", "correct-horse-2")
	m := a.client()
	m.signIn("mallory", "correct-horse-2")
	m.get("/admin/users")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	p := c.post("/admin/config/services", url.Values{"_csrf": {m.csrf}, "experience_platform/datastream_id": {forgedDatastream}})
	wantStatus(t, p, http.StatusForbidden)
}

// Requests without Sec-Fetch-Site (old browsers, scripts) need the token; a browser that
// says the request comes from a sibling site is refused even with it.
func TestCSRFSecFetchSite(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	c.get("/admin/config/services")
	for _, tc := range []struct {
		site, token string
		want        int
	}{
		{"same-origin", "", http.StatusForbidden},
		{"", "", http.StatusForbidden},
		{"same-site", c.csrf, http.StatusForbidden},
		{"cross-site", c.csrf, http.StatusForbidden},
		{"same-origin", c.csrf, http.StatusSeeOther},
	} {
		form := url.Values{"experience_platform/datastream_id": {forgedDatastream}}
		if tc.token != "" {
			form.Set("_csrf", tc.token)
		}
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/admin/config/services", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.site != "" {
			req.Header.Set("Sec-Fetch-Site", tc.site)
		}
		if p := c.do(req); p.status != tc.want {
			t.Errorf("Sec-Fetch-Site %q, token %v: status %d, want %d", tc.site, tc.token != "", p.status, tc.want)
		}
	}
}

// Multipart bodies are read only after sign-in and the CSRF token (their first part); a
// signed-out admin page takes small url-encoded bodies only.
func TestMultipartOnlyAfterSignInAndCSRF(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	anon := a.client()
	anon.get("/admin/login")
	p := anon.postMultipart("/admin/login", map[string]string{"username": "admin", "password": "correct-horse-1"}, "", "", nil)
	wantStatus(t, p, http.StatusUnsupportedMediaType)
	big := url.Values{"username": {"admin"}, "password": {strings.Repeat("x", 20<<10)}}
	wantStatus(t, anon.post("/admin/login", big), http.StatusRequestEntityTooLarge)
	// Signed out: refused before the body is read.
	p = anon.postMultipart("/admin/config/services/import-workspace", nil, "workspace", "ws.json", []byte(workspaceJSON))
	wantStatus(t, p, http.StatusForbidden)

	c := a.client()
	c.signIn("admin", "correct-horse-1")
	c.get("/admin/config/services")
	// The token after the file, or missing: refused.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("workspace", "ws.json")
	fw.Write([]byte(workspaceJSON))
	w.WriteField("_csrf", c.csrf)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/admin/config/services/import-workspace", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	wantStatus(t, c.do(req), http.StatusForbidden)
	// The token first, as our forms send it: imported.
	p = c.postMultipart("/admin/config/services/import-workspace", nil, "workspace", "ws.json", []byte(workspaceJSON))
	if p.status == http.StatusForbidden || p.status >= 500 {
		t.Fatalf("import with the token first: status %d %s", p.status, p.text("main"))
	}
}

// The storefront's forms: a request from a sibling site is refused even with a token that
// matches its (plantable) cookie.
func TestStorefrontRefusesSiblingSiteRequests(t *testing.T) {
	a := newApp(t)
	shop := a.client()
	shop.get("/store/account/login")
	for _, site := range []string{"same-site", "cross-site"} {
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/store/account/login",
			strings.NewReader(url.Values{"_csrf": {shop.csrf}, "email": {"bo@example.com"}, "password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		if p := shop.do(req); p.status != http.StatusForbidden {
			t.Errorf("Sec-Fetch-Site %s: status %d, want 403", site, p.status)
		}
	}
	// Same-origin with the token is served.
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/store/account/login",
		strings.NewReader(url.Values{"_csrf": {shop.csrf}, "email": {"bo@example.com"}, "password": {"x"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if p := shop.do(req); p.status == http.StatusForbidden {
		t.Fatal("same-origin storefront request refused")
	}
}

// The storefront's token is signed: a planted aa_csrf cookie with a matching form value is
// refused; requests without Sec-Fetch-Site need the real token.
func TestStorefrontCSRFPlantedCookieIsRefused(t *testing.T) {
	a := newApp(t)
	shop := a.client()
	shop.get("/store/account/login")
	if shop.csrf == "" {
		t.Fatal("no token on the storefront's form")
	}
	post := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/store/account/login",
			strings.NewReader(url.Values{"_csrf": {token}, "email": {"bo@example.com"}, "password": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return shop.do(req).status
	}
	if code := post(shop.csrf); code == http.StatusForbidden {
		t.Fatal("the storefront's own token was refused")
	}
	u, _ := url.Parse(a.server.URL + "/store")
	planted := strings.Repeat("p", 43)
	shop.http.Jar.SetCookies(u, []*http.Cookie{{Name: "aa_csrf", Value: planted, Path: "/store"}})
	if code := post(planted); code != http.StatusForbidden {
		t.Fatalf("planted cookie with a matching form value: status %d, want 403", code)
	}
	if code := post(""); code != http.StatusForbidden {
		t.Fatalf("no token: status %d, want 403", code)
	}
}

// Anonymous storefront forms take small bodies, and no multipart at all.
func TestStorefrontBodiesAreSmall(t *testing.T) {
	a := newApp(t)
	shop := a.client()
	shop.get("/store/account/login")
	p := shop.post("/store/account/login", url.Values{"email": {"bo@example.com"}, "password": {strings.Repeat("x", 70<<10)}})
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	p = shop.postMultipart("/store/account/login", map[string]string{"email": "bo@example.com", "password": "x"}, "", "", nil)
	wantStatus(t, p, http.StatusUnsupportedMediaType)
}
