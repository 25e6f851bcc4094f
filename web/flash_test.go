package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A save whose report would not fit the session cookie still succeeds, with the report
// shortened.
func TestLongFlashIsShortenedNotAnError(t *testing.T) {
	_, c := signedIn(t)
	var content strings.Builder
	content.WriteString("<p>kept</p><span")
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&content, " data-removed-attribute-%d=x", i)
	}
	content.WriteString(">x</span>")
	f := formOf(c.get("/admin/dynamic-blocks/new"), "#block-form")
	f.Set("name", "Many attributes")
	f.Set("type", "content")
	f.Set("content", content.String())
	p := c.post("/admin/dynamic-blocks", f)
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get(p.header.Get("Location"))
	wantStatus(t, p, http.StatusOK)
	info := p.text(`[data-testid="flash-info"]`)
	if !strings.HasPrefix(info, "Removed from the content for safety:") || !strings.HasSuffix(info, "…") || len(info) > 1300 {
		t.Fatalf("shortened flash: %d bytes, %.80q…", len(info), info)
	}
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "Many attributes") {
		t.Fatalf("the save's own message is missing: %q", p.text("main"))
	}
}
