package exec

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

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
						n = 5000 // more than a chunk's quarter: a slice of its own
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
			if fs.Values != nil {
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
	oc, _ = ask(`{ a b }`+strings.Repeat(" ", MaxRememberedQuery), nil)
	if n := remembered(oc.Doc); n != 0 {
		t.Fatalf("large document: %d remembered", n)
	}
}
