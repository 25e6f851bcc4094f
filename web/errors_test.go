package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// Handlers return the domains' "not found" errors as they are; the one error handler turns
// each into the friendly 404 page that says the record does not exist (not "no page at
// this address"), for reads and writes alike.
func TestMissingRecordsAreNotFoundPages(t *testing.T) {
	_, c := signedIn(t)
	const gone = "What you are looking for does not exist. It may have been removed, or the link is out of date."
	for _, tc := range []struct {
		method, path string
	}{
		{http.MethodGet, "/admin/price-rules/99999/edit"},
		{http.MethodPost, "/admin/price-rules/99999/duplicate"},
		{http.MethodGet, "/admin/dynamic-blocks/99999/edit"},
		{http.MethodGet, "/admin/dynamic-blocks/placements/99999/edit"},
		{http.MethodGet, "/admin/customers/99999/edit"},
		{http.MethodGet, "/admin/sales/orders/99999"},
		{http.MethodGet, "/admin/action-log/99999"},
	} {
		c.get("/admin/price-rules") // a page, for the CSRF token
		var p = c.get(tc.path)
		if tc.method == http.MethodPost {
			p = c.post(tc.path, url.Values{})
		}
		if p.status != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", tc.method, tc.path, p.status)
			continue
		}
		if got := p.text(`[data-testid="error-message"]`); got != gone {
			t.Errorf("%s %s: message %q, want %q", tc.method, tc.path, got, gone)
		}
	}
}
