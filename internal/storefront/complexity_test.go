package storefront

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"audienceactivation/internal/storefront/exec"
)

// The complexity limit remembers the costs of small documents' operations only, at most
// maxKnownOperations of them whatever clients send, the least recently asked forgotten
// first: an operation a storefront sends on every page stays while others come and go.
func TestKnownOperationsAreBoundedAndRecent(t *testing.T) {
	es := exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{}})
	limit := newComplexityLimit(MaxComplexity, exec.ComplexityRoot{})
	limit.Validate(es)
	parse := func(q string) *graphql.OperationContext {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if errs := validator.Validate(es.Schema(), doc); len(errs) > 0 {
			t.Fatalf("%s: %v", q, errs)
		}
		return &graphql.OperationContext{Doc: doc, RawQuery: q}
	}
	ask := func(oc *graphql.OperationContext) {
		if err := limit.MutateOperationContext(context.Background(), oc); err != nil {
			t.Fatalf("%s: %v", oc.RawQuery, err)
		}
	}
	known := func(oc *graphql.OperationContext) bool { return limit.known.Contains(oc.Doc.Operations[0]) }

	mini := parse(`{ cart(cart_id: "x") { total_quantity } }`)
	ask(mini)
	first := parse(`{ a0: products(search: "0") { total_count } }`)
	ask(first)
	for i := 1; i < 3*maxKnownOperations; i++ {
		ask(parse(fmt.Sprintf(`{ a%d: products(search: "%d") { total_count } }`, i, i)))
		if i%50 == 0 {
			if !known(mini) {
				t.Fatalf("after %d other operations, the one asked for all along was forgotten", i)
			}
			ask(mini)
		}
	}
	if n := limit.known.Len(); n > maxKnownOperations {
		t.Errorf("%d operations remembered, more than %d", n, maxKnownOperations)
	}
	if known(first) {
		t.Error("the first of the others, not asked for since, is still remembered")
	}
	large := parse(`{ products(search: "` + strings.Repeat("x", maxRememberedQuery) + `") { total_count } }`)
	ask(large)
	if known(large) {
		t.Error("the operation of a large document was remembered")
	}
}
