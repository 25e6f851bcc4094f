package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

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

// A list is marshalled as the library marshals it, without its goroutines: the same
// values in order, each element's field context with its index, a panicking element null
// with the library's error at its path, for lists of none, one and several elements.
func TestMarshalSliceAnswersAsTheLibrary(t *testing.T) {
	type answer struct {
		json, errors string
	}
	run := func(marshal func(context.Context, int, int64, bool, func(context.Context, int) graphql.Marshaler) graphql.Array, n int) answer {
		quiet := func(_ context.Context, p any) error { return fmt.Errorf("internal system error: %v", p) }
		oc := &graphql.OperationContext{RawQuery: "{ items { sku } }", Variables: map[string]any{}, RecoverFunc: quiet}
		ctx := graphql.WithOperationContext(context.Background(), oc)
		ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, quiet)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query", Field: graphql.CollectedField{Field: &ast.Field{Alias: "items", Name: "items"}}})
		list := marshal(ctx, n, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
			fc := graphql.GetFieldContext(ctx)
			if fc.Index == nil || *fc.Index != i {
				return graphql.MarshalString("wrong index")
			}
			if i == 2 {
				panic("broken")
			}
			return graphql.MarshalString(fmt.Sprintf("SKU-%d at %s", i, graphql.GetPath(ctx)))
		})
		var b strings.Builder
		list.MarshalGQL(&b)
		var errs []string
		for _, e := range graphql.GetErrors(ctx) {
			errs = append(errs, e.Path.String()+": "+e.Message)
		}
		return answer{b.String(), strings.Join(errs, "; ")}
	}
	for _, n := range []int{0, 1, 2, 5} {
		ours, theirs := run(marshalSlice, n), run(graphql.MarshalSliceConcurrently, n)
		if ours != theirs {
			t.Errorf("%d elements: ours %+v, the library's %+v", n, ours, theirs)
		}
		if n == 5 && (!strings.Contains(ours.json, `"SKU-4 at items[4]"`) || !strings.Contains(ours.errors, "items[2]: internal system error: broken")) {
			t.Errorf("5 elements: %+v", ours)
		}
	}
}
