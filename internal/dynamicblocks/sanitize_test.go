package dynamicblocks

import (
	"strings"
	"testing"
)

// Sanitized block HTML is balanced, so a block cannot swallow or break the page around it.
func TestSanitizeBalancesTags(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<div><p>Hi`, `<div><p>Hi</p></div>`},
		{`<a href="https://example.com/sale">Sale`, `<a href="https://example.com/sale">Sale</a>`},
		{`</div></div><p>after</p>`, `<p>after</p>`},
		{`<b>bold <i>both</b> italic</i>`, `<b>bold <i>both</i></b><i> italic</i>`},
		{`<table><tr><td>cell`, `<table><tbody><tr><td>cell</td></tr></tbody></table>`},
		{`<ul><li>one<li>two`, `<ul><li>one</li><li>two</li></ul>`},
		{`plain text`, `plain text`},
		{`<h2>Hi</h2>`, `<h2>Hi</h2>`},
		{``, ``},
	} {
		got, _ := Sanitize(tc.in)
		if got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Balanced output is a fixed point.
		if again, _ := Sanitize(got); again != got {
			t.Errorf("Sanitize is not stable on %q: %q", got, again)
		}
	}
	// Still safe, and still reporting what it removed.
	got, gone := Sanitize(`<div><img src=x onerror=alert(1)><script>alert(2)</script>`)
	if strings.Contains(got, "onerror") || strings.Contains(got, "script") || !strings.HasSuffix(got, "</div>") || len(gone) != 2 {
		t.Fatalf("%q %v", got, gone)
	}
}
