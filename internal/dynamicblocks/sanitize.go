package dynamicblocks

import (
	"regexp"
	"sort"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy keeps formatting, links and images and removes scripts, iframes, event handlers,
// styles that could carry script, and javascript: URLs.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Globally()
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_(blank|self)$`)).OnElements("a")
	p.RequireNoFollowOnLinks(false)
	p.AllowElements("section", "header", "footer", "figure", "figcaption", "picture", "source")
	p.AllowAttrs("srcset", "sizes", "media", "type").OnElements("source")
	p.AllowAttrs("loading", "width", "height").OnElements("img")
	return p
}()

// Sanitize returns html safe to show on the storefront and in the admin, and what was
// removed from it, such as "<script> element" or "onerror attribute on <img>". The result is
// balanced: unclosed elements are closed and stray closing tags dropped, so that a block
// cannot swallow the page after it (an open <a> or <table>) or close the page's own
// elements (a stray </div>).
func Sanitize(in string) (string, []string) {
	out := balance(policy.Sanitize(in))
	return out, removed(in, out)
}

// balance parses s as the HTML5 parser parses the inside of a <div>, which closes what is
// left open and ignores closing tags that match nothing, and writes the tree back.
func balance(s string) string {
	if s == "" {
		return s
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return html.EscapeString(s) // the parser reads any string; shown as text if not
	}
	var b strings.Builder
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			return html.EscapeString(s)
		}
	}
	return b.String()
}

// removed lists the elements and attributes of in that out no longer has.
func removed(in, out string) []string {
	before, after := inventory(in), inventory(out)
	var gone []string
	for k, n := range before {
		if after[k] < n {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	return gone
}

func inventory(s string) map[string]int {
	m := map[string]int{}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return m
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		m["<"+t.Data+"> element"]++
		for _, a := range t.Attr {
			key := a.Key + " attribute on <" + t.Data + ">"
			if k := strings.ToLower(strings.TrimSpace(a.Val)); strings.HasPrefix(k, "javascript:") || strings.HasPrefix(k, "vbscript:") || strings.HasPrefix(k, "data:text/html") {
				key = a.Key + " with a script URL on <" + t.Data + ">"
			}
			m[key]++
		}
	}
}

// ForEditing is sanitized HTML as a person edits it: the sanitizer writes quotes in text as
// character references (&#39;, &#34;), which an editor would show as typed; outside tags
// they are written back as quotes. Saving sanitizes again, so nothing unsafe comes of it.
func ForEditing(html string) string {
	if !strings.Contains(html, "&#") {
		return html
	}
	var b strings.Builder
	inTag := false
	for i := 0; i < len(html); i++ {
		ch := html[i]
		switch {
		case ch == '<':
			inTag = true
		case ch == '>':
			inTag = false
		case !inTag && strings.HasPrefix(html[i:], "&#39;"):
			b.WriteByte('\'')
			i += len("&#39;") - 1
			continue
		case !inTag && strings.HasPrefix(html[i:], "&#34;"):
			b.WriteByte('"')
			i += len("&#34;") - 1
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}
