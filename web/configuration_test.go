package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
)

const (
	datastream   = "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"
	clientSecret = "p8e-SuperSecretValue-1234567890abcdef"
)

func signedIn(t *testing.T) (*app, *client) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	return a, c
}

func TestDatastreamIDPerWebsite(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/config/services?website=base")
	wantStatus(t, p, http.StatusOK)
	if p.text(`[data-testid="scope-name"]`) != "Website: Main Website" {
		t.Fatalf("scope %q", p.text(`[data-testid="scope-name"]`))
	}
	// Global fields cannot be edited at website scope.
	if _, disabled := p.doc.Find(`[name="audiences/client_id"]`).Attr("disabled"); !disabled {
		t.Fatal("client ID editable at website scope")
	}
	p = c.post("/admin/config/services?website=base", url.Values{"experience_platform/datastream_id": {datastream}})
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get(p.header.Get("Location"))
	if got := p.doc.Find(`#experience_platform-datastream_id`).AttrOr("value", ""); got != datastream {
		t.Fatalf("datastream after reload = %q", got)
	}
	if p.text(`[data-testid="flash-success"]`) == "" {
		t.Fatal("no saved message")
	}
	// The default scope has no datastream: the value is the website's own.
	if got := c.get("/admin/config/services").doc.Find(`#experience_platform-datastream_id`).AttrOr("value", ""); got != "" {
		t.Fatalf("default scope shows %q", got)
	}
	// "Use Default Value" removes the website's own value.
	p = c.post("/admin/config/services?website=base", url.Values{"experience_platform/datastream_id": {datastream}, "use_default:experience_platform/datastream_id": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := c.get("/admin/config/services?website=base").doc.Find(`#experience_platform-datastream_id`).AttrOr("value", ""); got != "" {
		t.Fatalf("after use-default the website still shows %q", got)
	}
}

func TestUnknownScopeIs404(t *testing.T) {
	_, c := signedIn(t)
	wantStatus(t, c.get("/admin/config/services?website=nope"), http.StatusNotFound)
}

func TestBadValuesSaveNothingAndKeepWhatWasTyped(t *testing.T) {
	_, c := signedIn(t)
	c.get("/admin/config/services")
	form := url.Values{
		"audiences/client_id":              {"abcdef0123456789abcdef0123456789"},
		"audiences/organization_id":        {"not-an-org"},
		"audiences/client_secret":          {clientSecret},
		"experience_platform/web_sdk_name": {"alloy"},
	}
	p := c.post("/admin/config/services", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if msg := p.text(`[data-testid="error-audiences-organization_id"]`); !strings.Contains(msg, "@AdobeOrg") {
		t.Fatalf("org ID message %q", msg)
	}
	if got := p.doc.Find(`#audiences-client_id`).AttrOr("value", ""); got != "abcdef0123456789abcdef0123456789" {
		t.Fatalf("typed client ID lost: %q", got)
	}
	if got := p.doc.Find(`#audiences-organization_id`).AttrOr("value", ""); got != "not-an-org" {
		t.Fatalf("typed org ID lost: %q", got)
	}
	if strings.Contains(p.body, clientSecret) {
		t.Fatal("the typed secret was sent back to the browser")
	}
	if p.text(`[data-testid="error-audiences-client_secret"]`) == "" {
		t.Fatal("no request to re-enter the secret")
	}
	// Nothing was saved.
	p = c.get("/admin/config/services")
	if got := p.doc.Find(`#audiences-client_id`).AttrOr("value", ""); got != "" {
		t.Fatalf("client ID saved despite an invalid field: %q", got)
	}
	if strings.Contains(p.text(`[data-testid="secret-audiences-client_secret"]`), "Stored") {
		t.Fatal("secret saved despite an invalid field")
	}
}

func TestOversizedAndMalformedInput(t *testing.T) {
	_, c := signedIn(t)
	c.get("/admin/config/services?website=base")

	long := strings.Repeat("a", 5000)
	p := c.post("/admin/config/services?website=base", url.Values{"experience_platform/datastream_id": {long}, "experience_platform/web_sdk_name": {"mySdk"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-experience_platform-datastream_id"]`) == "" {
		t.Fatal("5,000-character datastream ID: no message")
	}
	if p.doc.Find(`#experience_platform-web_sdk_name`).AttrOr("value", "") != "mySdk" {
		t.Fatal("other typed value lost")
	}

	p = c.post("/admin/config/services?website=base", url.Values{"experience_platform/datastream_id": {"3f0c3e54-\xff\xfe-invalid"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if msg := p.text(`[data-testid="error-experience_platform-datastream_id"]`); !strings.Contains(msg, "not valid text") {
		t.Fatalf("invalid UTF-8 message %q", msg)
	}

	big := url.Values{"experience_platform/datastream_id": {strings.Repeat("x", 2<<20)}}
	p = c.post("/admin/config/services?website=base", big)
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	if !strings.Contains(p.text(`[data-testid="error-message"]`), "larger than 1 MB") {
		t.Fatalf("oversized body message %q", p.text(`[data-testid="error-message"]`))
	}
	if strings.Contains(p.body, "goroutine") || strings.Contains(p.body, ".go:") {
		t.Fatal("internals shown")
	}
}

const workspaceJSON = `{"project":{"id":"1","name":"aa-store","title":"Audience Activation Store","org":{"id":"9","name":"Acme","ims_org_id":"ABCDEF0123456789ABCDEF01@AdobeOrg"},
"workspace":{"id":"2","name":"Production","details":{"credentials":[{"id":"3","name":"Credential","integration_type":"oauth_server_to_server",
"oauth_server_to_server":{"client_id":"abcdef0123456789abcdef0123456789","client_secrets":["` + clientSecret + `"],
"technical_account_email":"1a2b3c4d@techacct.adobe.com","technical_account_id":"1A2B3C4D5E6F@techacct.adobe.com","scopes":["openid","AdobeID"]}}]}}}}`

func (c *client) postMultipart(path string, fields map[string]string, fileField, fileName string, file []byte) page {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", c.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, fileName)
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.server.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func TestWorkspaceImportFillsCredentials(t *testing.T) {
	_, c := signedIn(t)
	c.get("/admin/config/services")
	p := c.postMultipart("/admin/config/services/import-workspace", nil, "workspace_file", "workspace.json", []byte(workspaceJSON))
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/config/services")
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "Audience Activation Store") {
		t.Fatalf("import message %q", p.text(`[data-testid="flash-success"]`))
	}
	for id, want := range map[string]string{
		"audiences-client_id":               "abcdef0123456789abcdef0123456789",
		"audiences-organization_id":         "ABCDEF0123456789ABCDEF01@AdobeOrg",
		"audiences-technical_account_id":    "1A2B3C4D5E6F@techacct.adobe.com",
		"audiences-technical_account_email": "1a2b3c4d@techacct.adobe.com",
	} {
		if got := p.doc.Find("#"+id).AttrOr("value", ""); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if p.text(`[data-testid="value-experience_platform-organization_id"]`) != "ABCDEF0123456789ABCDEF01@AdobeOrg" {
		t.Error("the connector's read-only organization ID does not show the imported one")
	}
	if !strings.Contains(p.text(`[data-testid="secret-audiences-client_secret"]`), "Stored encrypted") || strings.Contains(p.body, clientSecret) {
		t.Fatal("secret not stored, or shown")
	}
}

func TestMalformedWorkspaceJSON(t *testing.T) {
	_, c := signedIn(t)
	c.get("/admin/config/services")
	for name, body := range map[string]string{
		"syntax":    `{"project": {`,
		"shape":     `[1,2,3]`,
		"no-oauth":  `{"project":{"org":{"ims_org_id":"A@AdobeOrg"},"workspace":{"details":{"credentials":[{"jwt":{}}]}}}}`,
		"empty":     ``,
		"bad-value": strings.Replace(workspaceJSON, "ABCDEF0123456789ABCDEF01@AdobeOrg", "nonsense", 1),
	} {
		p := c.postMultipart("/admin/config/services/import-workspace", map[string]string{"workspace_json": body}, "", "", nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", name, p.status)
			continue
		}
		if msg := p.text(`[data-testid="import-error"]`); !strings.HasPrefix(msg, "Nothing was imported") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	if got := c.get("/admin/config/services").doc.Find("#audiences-client_id").AttrOr("value", ""); got != "" {
		t.Fatalf("a failed import saved the client ID %q", got)
	}
}

// TestSecretNeverLeaves saves a secret and looks for it everywhere it must not be: every
// admin page, the action log, the server log and the database file.
func TestSecretNeverLeaves(t *testing.T) {
	d := dbtest.New(t)
	a := newAppOn(t, d)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	c.get("/admin/config/services")
	privateKey := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-unique-private-material\n-----END PRIVATE KEY-----"
	p := c.post("/admin/config/services", url.Values{"audiences/client_secret": {clientSecret}, "services_connector/production_private_key": {privateKey}})
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/config/services")
	if !strings.Contains(p.text(`[data-testid="secret-audiences-client_secret"]`), "Stored encrypted") {
		t.Fatal("secret not shown as stored")
	}
	if p.doc.Find(`[data-testid="secret-audiences-client_secret"] .mask`).Length() != 1 {
		t.Fatal("secret not masked")
	}
	// An empty secret field keeps what is stored.
	wantStatus(t, c.post("/admin/config/services", url.Values{"audiences/client_secret": {""}, "audiences/sandbox_name": {"prod"}}), http.StatusSeeOther)

	needles := []string{clientSecret, "unique-private-material"}
	pages := []string{"/admin", "/admin/config/services", "/admin/config/services?website=base", "/admin/action-log", "/admin/users", "/admin/stores"}
	log := c.get("/admin/action-log")
	log.doc.Find(`[data-testid="log-row"] a`).Each(func(_ int, s *goquery.Selection) { pages = append(pages, s.AttrOr("href", "")) })
	for _, path := range pages {
		body := c.get(path).body
		for _, n := range needles {
			if strings.Contains(body, n) {
				t.Errorf("%s shows the secret", path)
			}
		}
	}
	for _, n := range needles {
		if strings.Contains(a.logs.String(), n) {
			t.Error("the server log holds the secret")
		}
	}
	// Still readable by the server, and sealed in the database.
	var stored []string
	d.Raw("SELECT value FROM config_values WHERE path = ?", "audiences/client_secret").Scan(&stored)
	if len(stored) != 1 || !strings.HasPrefix(stored[0], "v1:") {
		t.Fatalf("stored secret %q is not sealed", stored)
	}
	a.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	assertNotInDBFiles(t, d, needles)
}

func assertNotInDBFiles(t *testing.T, d *db.DB, needles []string) {
	t.Helper()
	var path string
	d.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path)
	files, _ := filepath.Glob(path + "*")
	if len(files) == 0 {
		t.Fatal("database file not found")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds the secret in plaintext", filepath.Base(f))
			}
		}
	}
}
