package web_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/web"
)

// FuzzGraphQLEntry sends the GraphQL endpoint, through the whole router, whatever a client
// may: GET or POST, any Accept header, any query text and variables, any body. Whatever
// it gets, it never fails (no 500: a panic would be one), answers JSON with data or
// errors (or the explorer page, to a browser's GET without a query), and answers in
// bounded time.
func FuzzGraphQLEntry(f *testing.F) {
	d := dbtest.New(f)
	full := wiring.New(config.Settings{SessionIdle: 30 * time.Minute}, d, slog.New(slog.DiscardHandler), []byte(testKey))
	srv := web.New(full.Deps)
	seeds := []struct {
		get               bool
		accept, query     string
		variables         string
		body              string
		membership, store string
	}{
		{false, "", `{ __typename }`, ``, ``, ``, ``},
		{true, "*/*", `query Q($s: String) { products(search: $s, pageSize: 2) { total_count items { sku name } } }`, `{"s": "tee"}`, ``, ``, ``},
		{false, "*/*", `mutation { createGuestCart { cart { id items { uid } } } }`, ``, ``, ``, ``},
		{true, "*/*", `mutation { createGuestCart { cart { id } } }`, ``, ``, ``, ``},
		{false, "application/json", `query($c: String!) { cart(cart_id: $c) { id prices { grand_total { value } } } }`, `{"c": "nope"}`, ``, ``, ``},
		{true, "text/html", ``, ``, ``, ``, ``},
		{true, "application/graphql-response+json", `{ nope }`, ``, ``, ``, ``},
		{false, "", `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } fragment F1 on Query { ...F2 ...F2 } fragment F2 on Query { __typename }`, ``, ``, ``, ``},
		{false, "", `{ a: __typename a: __typename a: __typename a: __typename }`, ``, ``, ``, ``},
		{false, "", `{ __schema { types { name fields { name type { name ofType { name } } } } } }`, ``, ``, ``, ``},
		{false, "", `{ dynamicBlocks(input: {type: SPECIFIED, dynamic_block_uids: ["MQ=="]}) { items { uid content { html } } total_count } }`, ``, ``, `3f2a7c1e-0b6d-4e8a-9c5f-1d2e3f4a5b6c`, `default`},
		{false, "", ``, ``, `{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}`, ``, ``},
		{false, "", ``, ``, `[{"query": "{ __typename }"}]`, ``, ``},
		{false, "", ``, ``, `{"query": 1}`, ``, `nowhere`},
		{false, "", `{ __typename }`, `{"a": [1, 2, {"b": null}]}`, ``, `%zz,,`, ``},
	}
	for _, s := range seeds {
		f.Add(s.get, s.accept, s.query, s.variables, []byte(s.body), s.membership, s.store)
	}
	f.Fuzz(func(t *testing.T, get bool, accept, query, variables string, body []byte, membership, store string) {
		var req *http.Request
		switch {
		case get:
			v := url.Values{"query": {query}}
			if query == "" {
				v = url.Values{}
			}
			if variables != "" {
				v.Set("variables", variables)
			}
			req = httptest.NewRequest(http.MethodGet, "/graphql?"+v.Encode(), nil)
		case len(body) > 0:
			req = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		default:
			q, _ := json.Marshal(query)
			b := `{"query": ` + string(q)
			if variables != "" {
				b += `, "variables": ` + variables
			}
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(b+"}"))
		}
		req.Header.Set("Content-Type", "application/json")
		for name, value := range map[string]string{"Accept": accept, "aep-segments-membership": membership, "Store": store} {
			if value != "" && !strings.ContainsAny(value, "\r\n\x00") {
				req.Header.Set(name, value)
			}
		}
		w := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(w, req)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("answered in %v", took)
		}
		if w.Code >= 500 {
			t.Fatalf("%d: %s", w.Code, w.Body)
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") && get && strings.Contains(accept, "text/html") {
			return // the explorer
		}
		var answer map[string]json.RawMessage
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/") || json.Unmarshal(w.Body.Bytes(), &answer) != nil {
			t.Fatalf("%d %s: not a JSON object: %.300s", w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		if answer["data"] == nil && answer["errors"] == nil {
			t.Fatalf("%d: neither data nor errors: %.300s", w.Code, w.Body)
		}
	})
}
