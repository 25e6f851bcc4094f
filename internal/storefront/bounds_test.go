package storefront

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"audienceactivation/internal/storefront/exec"
)

// doublingFragments is the query whose fragments each spread the next twice, depth deep:
// 2^depth fields in a kilobyte or so.
func doublingFragments(depth int, comment string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\nquery { ...F0 }\n", comment)
	for i := range depth {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", depth)
	return b.String()
}

func times(n int, s string) string { return strings.Repeat(s, n) }

// Queries over a bound are refused before validation, with a message that says which;
// queries within them pass, whatever their comments, and each answer takes
// milliseconds.
func TestBoundsRefuseCostlyQueriesBeforeValidation(t *testing.T) {
	var wide strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&wide, "a%d: __typename ", i)
	}
	deep := times(MaxDepth, "cart(cart_id: \"x\") { ") + "id" + times(MaxDepth, " }")
	var chain strings.Builder
	chain.WriteString("{ ...C0 }")
	for i := range MaxSpreadDepth {
		fmt.Fprintf(&chain, " fragment C%d on Query { __typename ...C%d }", i, i+1)
	}
	fmt.Fprintf(&chain, " fragment C%d on Query { __typename }", MaxSpreadDepth)
	var written, many strings.Builder
	for i := range 120 {
		fmt.Fprintf(&many, "i%d: id ", i)
	}
	for i := range 100 {
		fmt.Fprintf(&written, "x%d: cart(cart_id: \"x\") { ...F } ", i)
	}
	var samePlace strings.Builder // 20 carts of 30 ids each, all answering as "a"
	for range 20 {
		samePlace.WriteString(`a: cart(cart_id: "x") { ` + times(30, "a: id ") + "} ")
	}
	for _, c := range []struct{ name, query, refusal string }{
		{"fragments doubling 25 deep", doublingFragments(25, "one"), "Fragments may spread fragments at most 12 deep"},
		{"fragments doubling 30 deep", doublingFragments(30, "two"), "Fragments may spread fragments at most 12 deep"},
		{"fragments doubling 12 deep", doublingFragments(12, "three"), "Fragments may spread fragments at most 12 deep; this query spreads them 13 deep."},
		{"100 fields written out 100 times", "{ " + written.String() + "} fragment F on Cart { " + many.String() + "}", "A query may ask for at most 10000 fields"},
		{"fragments doubling 10 deep", doublingFragments(10, "four"), "The query repeats fields under the same name too often"},
		{"60,000 repeated aliases", "{ " + times(60000, "a: __typename ") + "}", "exceeded token limit of 10000"},
		{"3,000 distinct aliases", "{ " + wide.String() + "}", ""},
		{"fields 21 deep", "{ " + deep + " }", "Max query depth should be 20 but got 21."},
		{"fragments 13 deep", chain.String(), "Fragments may spread fragments at most 12 deep; this query spreads them 13 deep."},
		{"600 spreads", "{ " + times(600, "...F ") + "} fragment F on Query { __typename }", "A query may spread fragments at most 500 times"},
		{"a cycle", "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", `Cannot spread fragment "A" within itself.`},
		{"one name 600 times at one place", "{ " + samePlace.String() + "}", "The query repeats fields under the same name too often"},
		{"one name 141 times", "{ " + times(141, "a: __typename ") + "}", ""},
		{"one name 142 times", "{ " + times(142, "a: __typename ") + "}", "The query repeats fields under the same name too often"},
		{"fragments doubling 6 deep", doublingFragments(6, "four"), ""},
		{"unknown fragment", "{ ...Nope }", ""},
		{"the introspection query", introspectionQuery, ""},
		{"introspection, aliased", "{ __schema { types { a: name b: name } } }", "Introspection may not use aliases"},
		{"introspection, aliased root", `{ a: __type(name: "Cart") { name } }`, "Introspection may not use aliases"},
		{"introspection, aliased in a fragment", "{ __schema { ...S } } fragment S on __Schema { types { n: name } }", "Introspection may not use aliases"},
		{"an alias beside introspection", "{ __schema { types { name } } a: __typename }", ""},
		{"introspection lists 4 deep", "{ __schema { types { fields { args { type { inputFields { name } } } } } } }", "Introspection may nest lists (types, fields, args, ...) at most 3 deep."},
		{"introspection lists 4 deep through fragments", "{ __schema { types { ...F } } } fragment F on __Type { fields { ...A } } fragment A on __Field { args { type { enumValues { name } } } }", "at most 3 deep"},
		{"no query", "", ""},
		{"syntax", "{ a(", "Expected Name, found <EOF>"},
	} {
		start := time.Now()
		err := checkBounds(context.Background(), c.query)
		took := time.Since(start)
		t.Logf("%s (%d bytes): %.2f ms", c.name, len(c.query), float64(took.Microseconds())/1000)
		if took > 2*time.Second {
			t.Errorf("%s: %v", c.name, took)
		}
		switch {
		case c.refusal == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.refusal != "" && (err == nil || !strings.Contains(err.Message, c.refusal)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.refusal)
		case err != nil && c.name != "syntax" && c.refusal != "" && !strings.HasPrefix(c.refusal, "exceeded") && err.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED":
			t.Errorf("%s: extensions %v", c.name, err.Extensions)
		}
	}
	// A request whose client has gone is not measured.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := checkBounds(ctx, "{ __typename }"); err == nil || err.Extensions["category"] != "internal" {
		t.Fatalf("cancelled: %v", err)
	}
}

// The validator's work on what the bounds let through stays in milliseconds, for the
// shapes that make its field comparison quadratic: one name many times at one place,
// directly, through fragments, and under fields of the same name.
func TestValidationWithinTheBoundsIsQuick(t *testing.T) {
	schema := exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}}).Schema()
	frag := "fragment F on Cart { " + times(6, "a: id ") + "}"
	var nested strings.Builder
	for range 99 {
		nested.WriteString(`a: cart(cart_id: "x") { a: id } `)
	}
	for _, q := range []string{
		"{ " + times(141, "a: __typename ") + "}",
		`{ ` + times(20, `a: cart(cart_id: "x") { a: id ...F } `) + "} " + frag,
		"{ " + nested.String() + "}",
		doublingFragments(6, "five"),
	} {
		if err := checkBounds(context.Background(), q); err != nil {
			t.Fatalf("refused by the bounds: %s", err.Message)
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		validator.Validate(schema, doc)
		took := time.Since(start)
		t.Logf("validated %d bytes in %.2f ms", len(q), float64(took.Microseconds())/1000)
		if took > 2*time.Second {
			t.Errorf("validation took %v", took)
		}
	}
}

// An operation's complexity is gqlgen's, worked out with each fragment once: the same
// number on queries with fragments, interfaces, introspection and nesting, and
// milliseconds for fragments that double 30 deep.
func TestComplexityIsGqlgensWithFragmentsOnce(t *testing.T) {
	es := exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}})
	for _, q := range []string{
		`{ __typename }`,
		`query($c: String!) { cart(cart_id: $c) { id items { uid quantity product { sku name } prices { price { value } } } prices { grand_total { value } } } }`,
		`query($c: String!) { a: cart(cart_id: $c) { ...C } b: cart(cart_id: $c) { ...C ... on Cart { id ...C } } } fragment C on Cart { id total_quantity items { ...I } } fragment I on CartItemInterface { uid product { sku } }`,
		`{ __schema { types { name fields { name } } } __type(name: "Cart") { name } }`,
		`{ dynamicBlocks(input: {type: SPECIFIED}) { items { uid content { html } } total_count } }`,
		doublingFragments(8, "six"),
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
			t.Fatalf("%s: %v", q, errs)
		}
		op := doc.Operations[0]
		if got, want := operationComplexity(es.Schema(), op), complexity.Calculate(context.Background(), es, op, map[string]any{"c": "x"}); got != want {
			t.Errorf("%s: complexity %d, gqlgen's %d", q, got, want)
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: doublingFragments(30, "seven")})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
		t.Fatal(errs)
	}
	start := time.Now()
	if n := operationComplexity(es.Schema(), doc.Operations[0]); n != 1<<30 {
		t.Fatalf("complexity %d", n)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v", took)
	}
}

// The caches keep small queries only: a query of a megabyte in one string is not kept.
func TestCachesKeepSmallQueriesOnly(t *testing.T) {
	ctx := context.Background()
	c := smallOnly[string]{lru.New[string](10), func(_, query string) string { return query }}
	small, large := `{ products(search: "tee") { total_count } }`, `{ products(search: "`+strings.Repeat("x", 1<<20)+`") { total_count } }`
	c.Add(ctx, "small", small)
	c.Add(ctx, "large", large)
	if _, ok := c.Get(ctx, "small"); !ok {
		t.Error("a small query was not kept")
	}
	if _, ok := c.Get(ctx, "large"); ok {
		t.Error("a large query was kept")
	}
}

// introspectionQuery is the introspection query GraphiQL and Apollo's tools send (the
// shape of graphql-js's getIntrospectionQuery): lists nest 3 deep, no aliases.
const introspectionQuery = `query IntrospectionQuery {
  __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

// Introspection, which gqlgen's complexity does not count, answers in milliseconds the
// introspection query and the costliest queries the bounds let through (lists 3 deep, the
// widest selections, no aliases), with answers a few times the schema's size.
func TestIntrospectionWithinTheBoundsIsQuick(t *testing.T) {
	_, fast := transports()
	typeRef := "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
	all := "kind name description specifiedByURL"
	for _, q := range []string{
		introspectionQuery,
		`{ __schema { types { ` + all + ` fields(includeDeprecated: true) { name description args { name description defaultValue type { ` + typeRef + ` } }
			type { ` + all + ` fields { name description type { ` + typeRef + ` } } inputFields { name type { ` + typeRef + ` } } enumValues { name description } possibleTypes { ` + all + ` } interfaces { ` + all + ` } } }
			inputFields { name type { ` + all + ` inputFields { name description type { ` + typeRef + ` } } enumValues { name description } } }
			interfaces { ` + all + ` fields { name type { ` + typeRef + ` } } } possibleTypes { ` + all + ` fields { name type { ` + typeRef + ` } } }
			enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } } directives { name locations args { name type { ` + typeRef + ` } } } } }`,
		`{ __schema { types { fields { args { type { ` + all + ` ofType { ` + all + ` } } } type { ` + all + ` } } inputFields { type { ` + all + ` inputFields { name type { ` + all + ` } } enumValues { name description } } } } } }`,
	} {
		if err := checkBounds(context.Background(), q); err != nil {
			t.Fatalf("refused: %s", err.Message)
		}
		r := httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {q}}.Encode(), nil)
		w := httptest.NewRecorder()
		start := time.Now()
		fast.ServeHTTP(w, r)
		took := time.Since(start)
		t.Logf("%d bytes of query: %d bytes of answer in %.1f ms", len(q), w.Body.Len(), float64(took.Microseconds())/1000)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), `{"data":{"__schema":{`) || took > 2*time.Second {
			t.Fatalf("%d in %v: %.300s", w.Code, took, w.Body)
		}
	}
}

// An answer's values count the fields below a paged field pageSize times: a page of 200
// products with 990 fields each is refused though its complexity is under the limit, a
// small page is not; with the page size a variable, each request's own value counts,
// though the operation's cost is remembered.
func TestValuesCountPagesInFull(t *testing.T) {
	es := exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}})
	limit := newComplexityLimit(MaxComplexity, exec.ComplexityRoot{})
	limit.Validate(es)
	ask := func(q string, vars map[string]any) *gqlerror.Error {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
			t.Fatalf("%s: %v", q, errs)
		}
		return limit.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: doc, RawQuery: q, Variables: vars})
	}
	var fields strings.Builder
	for i := range 990 {
		fmt.Fprintf(&fields, "f%d: sku ", i)
	}
	if err := ask(`{ products(search: "tee", pageSize: 200) { items { `+fields.String()+`} } }`, nil); err == nil || !strings.Contains(err.Message, "The query asks for about 198") {
		t.Fatalf("200 products of 990 fields: %v", err)
	}
	if err := ask(`{ products(search: "tee", pageSize: 12) { total_count items { `+strings.Repeat("sku name ", 50)+`} } }`, nil); err != nil {
		t.Fatalf("12 products: %v", err)
	}
	if err := ask(`{ products(search: "tee") { items { `+fields.String()+`} } }`, nil); err != nil {
		t.Fatalf("the default page of 20: %v", err)
	}
	q := `query($n: Int) { products(search: "tee", pageSize: $n) { items { ` + fields.String() + `} } }`
	doc, _ := parser.ParseQuery(&ast.Source{Input: q})
	validator.Validate(es.Schema(), doc)
	for _, c := range []struct {
		n       any
		refused bool
	}{{json.Number("5"), false}, {int64(200), true}, {json.Number("10"), false}, {200, true}, {nil, false}} {
		err := limit.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: doc, RawQuery: q, Variables: map[string]any{"n": c.n}})
		if (err != nil) != c.refused {
			t.Errorf("pageSize %v: %v", c.n, err)
		}
	}
}
