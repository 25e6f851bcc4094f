package storefront

import (
	"os"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The edits `go generate` makes to gqlgen's output (see slice.go) hold only while no field
// below the root is resolved concurrently: such a field would put a client's @defer into
// the deferred group the edit leaves empty. A schema or model change that makes gqlgen
// resolve a field concurrently fails here, not in production.
func TestGeneratedCodeKeepsTheEdits(t *testing.T) {
	src, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	for _, call := range []string{"graphql.MarshalSliceConcurrently(", "graphql.NewDeferredGroup(", ".ResolveConcurrently("} {
		if strings.Contains(code, call) {
			t.Errorf("generated.go calls %s: rerun `make generate`, and read slice.go before changing the edits", call)
		}
	}
	if !strings.Contains(code, "marshalSlice(") || !strings.Contains(code, "var deferred graphql.DeferredGroup") {
		t.Error("generated.go lacks the edits: rerun `make generate`")
	}
	if objects, written := strings.Count(code, "fields := graphql.CollectFields("), strings.Count(code, "return &objectWriter{fields, out}"); objects != written {
		t.Errorf("%d objects, %d written by objectWriter: rerun `make generate`", objects, written)
	}
}

// An object is written as gqlgen writes it: its fields in order, a repeated response name
// once.
func TestObjectWriter(t *testing.T) {
	fields := []graphql.CollectedField{{Field: &ast.Field{Alias: "sku"}}, {Field: &ast.Field{Alias: "price"}}, {Field: &ast.Field{Alias: "sku"}}}
	set := graphql.NewFieldSet(fields)
	set.Values[0], set.Values[1], set.Values[2] = graphql.MarshalString(`TEE "1"`), graphql.MarshalFloat(25), graphql.MarshalString("again")
	var b strings.Builder
	(&objectWriter{fields, set}).MarshalGQL(&b)
	if want := `{"sku":"TEE \"1\"","price":25}`; b.String() != want {
		t.Fatalf("got %s, want %s", b.String(), want)
	}
}
