package storefront

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"audienceactivation/internal/storefront/exec"
)

// An answer is written byte for byte as gqlgen's transport writes it (json.Marshal of the
// response), whatever it holds: HTML and line separators in strings, no data, errors,
// extensions, a deferred part.
func TestAnswerIsWrittenAsJSONMarshalWritesIt(t *testing.T) {
	yes := true
	answers := map[string]*graphql.Response{
		"data":              {Data: []byte(`{"cart":{"id":"abc","total":{"value":12.5}}}`)},
		"html and U+2028":   {Data: []byte(`{"html":"<h2>Tom & Jerry</h2>\u2028\u2029","n":null}`)},
		"escaped already":   {Data: []byte(`{"s":"a \"quote\" \\ and \u003c"}`)},
		"no data":           {},
		"null":              {Data: []byte(`null`)},
		"errors":            {Data: []byte(`{"cart":null}`), Errors: gqlerror.List{{Message: "The cart isn't active.", Path: ast.Path{ast.PathName("cart")}, Extensions: map[string]any{"category": "graphql-no-such-entity"}}}},
		"errors, no data":   {Errors: gqlerror.List{{Message: "Syntax Error <here>"}}},
		"extensions":        {Data: []byte(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		"deferred":          {Data: []byte(`{"a":1}`), Label: "x", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
		"no answer at all":  nil,
		"empty data object": {Data: []byte(`{}`)},
		"empty extensions":  {Data: []byte(`{"a":1}`), Extensions: map[string]any{}, Path: ast.Path{}},
	}
	for name, resp := range answers {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(name, err)
		}
		w := httptest.NewRecorder()
		writeAnswer(w, resp)
		if got := w.Body.String(); got != string(want) {
			t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
		}
	}
}

// transports is the API's executor behind gqlgen's own GET and POST transports (gqlgen)
// and behind ours (fast), with the same extensions: what each answers can be compared.
func transports() (gqlgen, fast http.Handler) {
	build := func(ours bool) http.Handler {
		srv := handler.New(exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}}))
		if ours {
			srv.AddTransport(get{})
			srv.AddTransport(post{})
		} else {
			srv.AddTransport(transport.GET{})
			srv.AddTransport(transport.POST{})
		}
		queries := lru.New[*ast.QueryDocument](100)
		srv.SetQueryCache(queries)
		srv.SetParserTokenLimit(MaxTokens)
		srv.Use(extension.Introspection{})
		srv.Use(bounds{cache: queries})
		return srv
	}
	return build(false), build(true)
}

// The fast transports answer as gqlgen's, status, type and bytes, for every Accept header
// a client may send (Apollo Client sends */*), for queries, mutations (refused over GET,
// before they run), errors and malformed requests.
func TestFastTransportsAnswerAsGqlgens(t *testing.T) {
	gqlgen, fast := transports()
	get := func(values url.Values) string { return "/graphql?" + values.Encode() }
	type request struct{ method, target, body string }
	requests := []request{
		{"GET", get(url.Values{"query": {"{ __typename }"}}), ""},
		{"GET", get(url.Values{"query": {"query Q($n: String!) { __type(name: $n) { name kind } }"}, "variables": {`{"n": "Cart"}`}, "operationName": {"Q"}}), ""},
		{"GET", get(url.Values{"query": {"query A { a: __typename } query B { b: __typename }"}, "operationName": {"B"}, "extensions": {`{"x": 1}`}}), ""},
		{"GET", get(url.Values{"query": {"mutation { __typename }"}}), ""},
		{"GET", get(url.Values{"query": {"{ nope }"}}), ""},
		{"GET", get(url.Values{"query": {"{ __typename"}}), ""},
		{"GET", get(url.Values{"query": {"query Q($n: String!) { __type(name: $n) { name } }"}, "variables": {`{"n": 1}`}}), ""},
		{"GET", get(url.Values{"query": {"{ __typename }"}, "variables": {`{not json`}}), ""},
		{"GET", get(url.Values{"query": {"{ __typename }"}, "extensions": {`[`}}), ""},
		{"GET", get(url.Values{"query": {"{ __typename }"}, "operationName": {"Nope"}}), ""},
		{"GET", get(url.Values{}), ""},
		{"GET", get(url.Values{"query": {"<h1>\u2028"}}), ""},
		{"POST", "/graphql", `{"query": "{ __typename }"}`},
		{"POST", "/graphql", `{"query": "mutation { __typename }"}`},
		{"POST", "/graphql", `{"query": "{ nope }"}`},
		{"POST", "/graphql", `{"query": `},
	}
	for _, accept := range []string{"", "*/*", "application/json", "application/*", "application/json, */*;q=0.5", "text/html", "application/graphql-response+json",
		"application/graphql-response+json, application/json;q=0.9", "text/plain, */*", "bogus;;, application/json"} {
		for _, req := range requests {
			answer := func(h http.Handler) *httptest.ResponseRecorder {
				r := httptest.NewRequest(req.method, req.target, strings.NewReader(req.body))
				r.Header.Set("Content-Type", "application/json")
				if accept != "" {
					r.Header.Set("Accept", accept)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			want, got := answer(gqlgen), answer(fast)
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || got.Body.String() != want.Body.String() {
				t.Errorf("Accept %q, %s %s %s:\ngot  %d %s %s\nwant %d %s %s", accept, req.method, req.target, req.body,
					got.Code, got.Header().Get("Content-Type"), got.Body, want.Code, want.Header().Get("Content-Type"), want.Body)
			}
		}
	}
}

// A request whose client has gone, or whose time ran out, before its operation runs gets a
// JSON answer and the operation does not run: a new query at the bounds check, a known
// one before it is run.
func TestAGoneRequestStops(t *testing.T) {
	_, fast := transports()
	serve := func(ctx context.Context, method, target, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		fast.ServeHTTP(w, r)
		return w
	}
	known := `{"query": "mutation Known { __typename }"}`
	if w := serve(context.Background(), "POST", "/graphql", known); !strings.Contains(w.Body.String(), `"data":{"__typename":"Mutation"}`) {
		t.Fatalf("live: %s", w.Body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct{ method, target, body string }{
		{"GET", "/graphql?query=%7B__typename%7D", ""},
		{"POST", "/graphql", `{"query": "mutation New { __typename }"}`},
		{"POST", "/graphql", known},
	} {
		w := serve(ctx, c.method, c.target, c.body)
		if !strings.Contains(w.Body.String(), "cancelled") || strings.Contains(w.Body.String(), "__typename") || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %s", c.method, c.body, w.Code, w.Body)
		}
	}
}

// The GET and POST transports cost the same for the same query (PWA Studio sends queries
// as GET): the executor's work is the same, only the reading of the request differs.
func BenchmarkTransports(b *testing.B) {
	_, fast := transports()
	query := `query Q($n: String!) { __type(name: $n) { name kind fields { name type { name kind ofType { name } } } } }`
	variables := `{"n": "Cart"}`
	body, _ := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(variables)})
	target := "/graphql?" + url.Values{"query": {query}, "variables": {variables}}.Encode()
	for _, method := range []string{"GET", "POST"} {
		b.Run(method, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var r *http.Request
				if method == "GET" {
					r = httptest.NewRequest(method, target, nil)
				} else {
					r = httptest.NewRequest(method, "/graphql", bytes.NewReader(body))
					r.Header.Set("Content-Type", "application/json")
				}
				r.Header.Set("Accept", "*/*")
				w := httptest.NewRecorder()
				fast.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
	}
}
