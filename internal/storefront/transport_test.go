package storefront

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
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

// An answer hands out field sets as graphql.NewFieldSet makes them, each with its own
// values, from any number of goroutines; once reset, it holds nothing of the request.
func TestAnswerFieldSets(t *testing.T) {
	a := new(answer)
	ctx := context.WithValue(context.Background(), answerKey{}, a)
	for round := 0; round < 3; round++ {
		var mu sync.Mutex
		var sets []*graphql.FieldSet
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 150; i++ {
					n := (i*7 + g) % 12
					if i == 77 {
						n = chunkSize + 5
					}
					fs := newFieldSet(ctx, make([]graphql.CollectedField, n))
					for j := range fs.Values {
						fs.Values[j] = graphql.MarshalString(fmt.Sprintf("%p/%d", fs, j))
					}
					mu.Lock()
					sets = append(sets, fs)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		seen := map[*graphql.FieldSet]bool{}
		for _, fs := range sets {
			if seen[fs] {
				t.Fatal("a field set handed out twice")
			}
			seen[fs] = true
			for j, v := range fs.Values {
				var b strings.Builder
				v.MarshalGQL(&b)
				if want := fmt.Sprintf(`"%p/%d"`, fs, j); b.String() != want {
					t.Fatalf("round %d: value %d of a set is %s: sets overlap", round, j, b.String())
				}
			}
			if cap(fs.Values) != len(fs.Values) {
				t.Fatal("a set's values could grow into another's")
			}
		}
		a.reset()
		for _, fs := range sets {
			if fs.Values != nil && cap(fs.Values) <= chunkSize {
				t.Fatal("reset kept a request's values")
			}
		}
	}
	if fs := newFieldSet(context.Background(), make([]graphql.CollectedField, 3)); len(fs.Values) != 3 {
		t.Fatal("without an answer, a field set is the library's")
	}
}

// What is collected is remembered for a document that reads no variable in a directive,
// from its second asking; a document that does, or a large one, leaves nothing behind.
func TestCollectedFieldsAreRememberedPerDocument(t *testing.T) {
	types := []string{"Query"}
	ask := func(query string, vars map[string]any) (*graphql.OperationContext, []graphql.CollectedField) {
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil {
			t.Fatal(err)
		}
		oc := &graphql.OperationContext{RawQuery: query, Doc: doc, Variables: vars}
		return oc, collectFields(oc, doc.Operations[0].SelectionSet, types)
	}
	remembered := func(doc *ast.QueryDocument) int {
		collected.mu.RLock()
		defer collected.mu.RUnlock()
		return len(collected.docs[doc].fields)
	}
	oc, fields := ask(`{ a b ...F } fragment F on Query { c }`, nil)
	if len(fields) != 3 || remembered(oc.Doc) != 1 {
		t.Fatalf("plain document: %d fields, %d remembered", len(fields), remembered(oc.Doc))
	}
	again := collectFields(oc, oc.Doc.Operations[0].SelectionSet, types)
	if &again[0] != &fields[0] {
		t.Fatal("asked again, the fields were collected again")
	}
	for _, q := range []string{`query($x: Boolean!) { a { b @include(if: $x) } }`, `query($x: Boolean!) { a ...F } fragment F on Query { b @skip(if: $x) }`,
		`query($x: Boolean!) { a ... @defer(if: $x) { b } }`} {
		for _, x := range []bool{true, false} {
			oc, _ := ask(q, map[string]any{"x": x})
			collectFields(oc, oc.Doc.Operations[0].SelectionSet, types)
			if n := remembered(oc.Doc); n != 0 {
				t.Fatalf("%s: %d remembered", q, n)
			}
		}
	}
	oc, _ = ask(`{ a b }`+strings.Repeat(" ", maxRememberedQuery), nil)
	if n := remembered(oc.Doc); n != 0 {
		t.Fatalf("large document: %d remembered", n)
	}
}
