package exec

import (
	"context"
	"errors"
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

// The short way for leaves answers as the library does, whatever the resolver gives: a
// value, a nil pointer (for a nullable and a non-null field), an error or a panic: the
// same JSON, the same errors with the same paths.
func TestResolveFieldAnswersAsTheLibrary(t *testing.T) {
	ten := 10.0
	outcomes := map[string]func(ctx context.Context) (any, error){
		"value":       func(context.Context) (any, error) { return &ten, nil },
		"nil":         func(context.Context) (any, error) { return (*float64)(nil), nil },
		"untyped nil": func(context.Context) (any, error) { return nil, nil },
		"error":       func(context.Context) (any, error) { return nil, errors.New("no price") },
		"panic":       func(context.Context) (any, error) { panic("broken") },
	}
	type answer struct {
		json   string
		errors string
	}
	run := func(resolve func(context.Context, *graphql.OperationContext, graphql.CollectedField,
		func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error), func(context.Context) (any, error),
		func(context.Context, graphql.Resolver) graphql.Resolver, func(context.Context, ast.SelectionSet, *float64) graphql.Marshaler, bool, bool) graphql.Marshaler,
		resolver func(context.Context) (any, error), nonNull bool) answer {
		quiet := func(_ context.Context, p any) error { return fmt.Errorf("internal system error: %v", p) }
		oc := &graphql.OperationContext{RawQuery: "{ price { value } }", Variables: map[string]any{}, RecoverFunc: quiet,
			ResolverMiddleware:     func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) },
			RootResolverMiddleware: func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler { return next(ctx) }}
		ctx := graphql.WithOperationContext(context.Background(), oc)
		ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, quiet)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Money", Field: graphql.CollectedField{Field: &ast.Field{Alias: "price", Name: "price"}}})
		field := graphql.CollectedField{Field: &ast.Field{Alias: "value", Name: "value", Position: &ast.Position{Line: 1, Column: 11},
			Definition: &ast.FieldDefinition{Name: "value", Type: &ast.Type{NamedType: "Float", NonNull: nonNull}}}}
		initFC := func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return graphql.NewScalarFieldContext("Money", field, false, false, "Float")
		}
		marshal := func(ctx context.Context, _ ast.SelectionSet, v *float64) graphql.Marshaler {
			if v == nil {
				if nonNull {
					graphql.AddInvalidNullError(ctx, "")
				}
				return graphql.Null
			}
			return graphql.MarshalFloat(*v)
		}
		var b strings.Builder
		resolve(ctx, oc, field, initFC, resolver, nil, marshal, true, nonNull).MarshalGQL(&b)
		var errs []string
		for _, e := range graphql.GetErrors(ctx) {
			errs = append(errs, e.Path.String()+": "+e.Message)
		}
		return answer{b.String(), strings.Join(errs, "; ")}
	}
	for name, resolver := range outcomes {
		for _, nonNull := range []bool{false, true} {
			ours := run(resolveField[*float64], resolver, nonNull)
			theirs := run(graphql.ResolveField[*float64], resolver, nonNull)
			if ours != theirs {
				t.Errorf("%s (non-null %v): ours %+v, the library's %+v", name, nonNull, ours, theirs)
			}
			if name == "value" && ours.json != "10" {
				t.Errorf("value: %+v", ours)
			}
		}
	}
}
