package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A browser opening /graphql gets the explorer page, under the application's
// Content-Security-Policy (no inline script, no other host) with every asset it names
// served from here; an API client asking the same address gets JSON.
func TestGraphQLExplorerPage(t *testing.T) {
	a := newApp(t)
	get := func(path, accept string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, a.server.URL+path, nil)
		req.Header.Set("Accept", accept)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	browserAccept := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	res, page := get("/graphql", browserAccept)
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, `data-testid="graphiql"`) ||
		!strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Fatalf("explorer: %d %v\n%.300s", res.StatusCode, res.Header, page)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "//") && strings.Contains(page, "://") {
		t.Fatal("the page has an inline script or names another host")
	}
	for _, asset := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css", "explorer.js", "explorer.css"} {
		if !strings.Contains(page, "/static/graphiql/"+asset) {
			t.Errorf("the page does not load %s", asset)
		}
		if res, _ := get("/static/graphiql/"+asset, "*/*"); res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", asset, res.StatusCode)
		}
	}
	for _, c := range []struct{ path, accept string }{
		{"/graphql?query=%7B__typename%7D", browserAccept}, // a query: answered
		{"/graphql", "*/*"},              // Apollo Client: JSON
		{"/graphql", "application/json"}, // JSON
	} {
		res, body := get(c.path, c.accept)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || strings.Contains(body, "graphiql") {
			t.Errorf("%s, Accept %s: %s %.100s", c.path, c.accept, res.Header.Get("Content-Type"), body)
		}
	}
}

// A storefront developer opens the explorer, runs the example query and reads the answer;
// the page loads without a Content-Security-Policy violation.
func TestBrowserGraphQLExplorerRunsAQuery(t *testing.T) {
	a := newApp(t)
	bc := browser(t)
	problems := consoleProblems(t, bc) // CSP violations, script errors, console errors
	must(t, chromedp.Do(bc, chromedp.Navigate(a.server.URL+"/graphql"), chromedp.WaitVisible(css(".graphiql-execute-button"))))
	waitJS(t, bc, `document.querySelector(".graphiql-query-editor .CodeMirror") !== null`)
	if q, _ := chromedp.Run(bc, chromedp.Evaluate[string](`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue()`)); !strings.Contains(q, "products(search:") {
		t.Fatalf("example query %q", q)
	}
	must(t, chromedp.Do(bc, chromedp.Click(css(".graphiql-execute-button"))))
	deadline := time.Now().Add(20 * time.Second)
	var answer string
	for time.Now().Before(deadline) {
		answer, _ = chromedp.Run(bc, chromedp.Evaluate[string](`(document.querySelector(".graphiql-response .CodeMirror") || {CodeMirror: {getValue: () => ""}}).CodeMirror.getValue()`))
		if strings.Contains(answer, "total_count") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(answer, `"total_count": 0`) || strings.Contains(answer, `"errors"`) {
		t.Fatalf("answer %q", answer)
	}
	screenshot(t, bc, "60-graphql-explorer")
	// The schema came by introspection: the documentation explorer shows it.
	must(t, chromedp.Do(bc, chromedp.Click(css(`button[aria-label="Show Documentation Explorer"]`))))
	waitJS(t, bc, `[...document.querySelectorAll(".graphiql-doc-explorer a")].some(a => a.textContent === "Query")`)
	must(t, chromedp.Do(bc, chromedp.Click(css(`.graphiql-doc-explorer a.graphiql-doc-explorer-type-name`))))
	waitJS(t, bc, `document.querySelector(".graphiql-doc-explorer").textContent.includes("dynamicBlocks")`)
	screenshot(t, bc, "61-graphql-explorer-docs")
	if p := problems(); len(p) > 0 {
		t.Fatalf("the page logged errors: %q", p)
	}
}
