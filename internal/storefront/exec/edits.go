package exec

// Four edits `go generate` makes to gqlgen's executor, generated.go, right after gqlgen
// writes it, each for speed and each keeping what the library does. The rewriter in
// ../rewrite makes them on the syntax tree and fails `go generate` when one does not find
// a site in every place it expects one (every list of objects, every object type, every
// field resolver), and its TestCommittedExecutorHasEveryEdit fails when the committed
// generated.go lacks one:
//
//   - lists of objects are marshalled by marshalSlice below, one element after the other,
//     instead of a goroutine each;
//   - objects are written by objectWriter below instead of by their graphql.FieldSet;
//   - objects start with an empty deferred group instead of graphql.NewDeferredGroup,
//     which builds the field's path, a field set and a map for every object of every
//     answer. None of our fields is resolved concurrently below the root, so nothing is
//     ever added to the group: a query using @defer is answered whole, as it was before
//     the edit (web's TestDeferIsAnsweredWhole), and the rewriter refuses to make the edit
//     in an object with a field that is;
//   - fields are resolved by resolveField below, which takes a short way for leaves.
//
// Why these four and no more: paired, interleaved runs (medians), against the eight edits
// made before, which also pooled each answer's buffer, field sets and field contexts and
// remembered collected fields across requests, in 300 more hand-written lines that
// mirrored gqlgen's internals. BenchmarkTransports/GET on one core (15 rounds): 269 µs per
// query with no edit, 75 µs with the eight, 100 µs with the first three (87 % of the
// saving). The load test's server CPU per request (6 rounds): 548 µs with no edit, 376 µs
// with the eight, 380 µs with the three, whose answers allocated 119 KB against the
// eight's 60 KB (177 KB with none). Twice the allocation meant twice the collections: in
// three later pairs against the eight-edit build the paced CPU per request was 22 % higher
// (540 against 442 µs) and the paced p99 15 ms against 9 ms. The short way for leaves, a
// one-line edit whose field contexts were a sixth of the allocation, brings the answers
// to 98 KB and the figures back within the noise (three pairs: paced 503 against 534 µs,
// p99 12.6 against 12.3 ms).

import (
	"context"
	"io"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalSlice marshals a list's elements one after the other. gqlgen's generated code
// calls graphql.MarshalSliceConcurrently, which starts a goroutine per element so that
// slow field resolvers run in parallel; none of ours block (a cart is read once, before
// its fields are marshalled), so the goroutines only cost: they took most of the
// executor's CPU under load. Errors and panics are handled as the library handles them,
// and each element's field context has its index, as the library's has.
func marshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	contexts, indexes := make([]graphql.FieldContext, length), make([]int, length)
	for i := range length {
		indexes[i] = i
		fc := &contexts[i]
		fc.Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, fc)
		func() {
			if !omitPanicHandler {
				defer func() {
					if r := recover(); r != nil {
						graphql.AddError(childCtx, graphql.Recover(childCtx, r))
						ret[i] = graphql.Null
					}
				}()
			}
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// objectWriter writes an object's fields, in the order the query asked for them. gqlgen's
// generated code returns the graphql.FieldSet itself, whose MarshalGQL (written for @defer's
// partial views) builds a map of the names written and copies every field on the heap:
// a fifth of the API's allocation under load. A field set from CollectFields holds each
// response name once; a repeated one is still written once, as the library does.
type objectWriter struct {
	fields []graphql.CollectedField
	set    *graphql.FieldSet
}

func (o *objectWriter) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	for i := range o.fields {
		alias := o.fields[i].Alias
		if repeated(o.fields[:i], alias) {
			continue
		}
		if i > 0 {
			io.WriteString(w, ",")
		}
		// A response name is a GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
		io.WriteString(w, `"`)
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.set.Values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

func repeated(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}

// resolveField is graphql.ResolveField, with a shorter way for the commonest field of an
// answer: a leaf (a scalar or enum: no selections) that takes no arguments (none declared:
// a resolver reads even omitted ones from the field context) and has no field middleware,
// whose value is there (not a nil pointer) and whose resolver neither fails nor panics.
// Such a field is marshalled at once, without the field context gqlgen builds for every
// field (two allocations each, a sixth of the API's under load): nothing could read it,
// since a leaf has no children, no arguments, and a value its marshaller writes without
// error; its resolver, if it has one, runs without it too, with nothing there it could
// want. Every other field, and every other outcome, takes the library's way. The API
// registers no field middleware (storefront.NewHandler), so none is skipped.
func resolveField[T any](ctx context.Context, oc *graphql.OperationContext, field graphql.CollectedField,
	initializeFieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	fieldResolver func(ctx context.Context) (any, error), middlewareChain func(ctx context.Context, next graphql.Resolver) graphql.Resolver,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler, recoverFromPanic, nonNull bool) graphql.Marshaler {
	kind := reflect.TypeFor[T]().Kind()
	if middlewareChain != nil || len(field.Selections) > 0 || field.Definition == nil || len(field.Definition.Arguments) > 0 || !leafKind[kind] {
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, fieldResolver, middlewareChain, marshal, recoverFromPanic, nonNull)
	}
	// The resolver runs once: when it fails, panics or gives nothing, the library's way
	// is taken with its answer (resolved), so what the client sees is the library's.
	res, err, panicked := func() (res any, err error, panicked any) {
		if recoverFromPanic {
			defer func() { panicked = recover() }()
		}
		res, err = fieldResolver(ctx)
		return res, err, nil
	}()
	v, ok := res.(T)
	if err != nil || panicked != nil || !ok || (kind == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		resolved := func(context.Context) (any, error) {
			if panicked != nil {
				panic(panicked)
			}
			return res, err
		}
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, resolved, middlewareChain, marshal, recoverFromPanic, nonNull)
	}
	return marshal(ctx, nil, v)
}

// leafKind are the Go kinds of the leaves resolveField takes the short way: scalars and
// enums as values or pointers.
var leafKind = map[reflect.Kind]bool{reflect.Pointer: true, reflect.String: true, reflect.Bool: true, reflect.Int: true,
	reflect.Int32: true, reflect.Int64: true, reflect.Float64: true}
