package exec

// Three edits `go generate` makes to gqlgen's executor, generated.go, right after gqlgen
// writes it, each for speed and each keeping what the library does. The rewriter in
// ../rewrite makes them on the syntax tree and fails `go generate` when one does not find
// a site in every place it expects one (every list of objects, every object type), and
// its TestCommittedExecutorHasEveryEdit fails when the committed generated.go lacks one:
//
//   - lists of objects are marshalled by marshalSlice below, one element after the other,
//     instead of a goroutine each;
//   - objects are written by objectWriter below instead of by their graphql.FieldSet;
//   - objects start with an empty deferred group instead of graphql.NewDeferredGroup,
//     which builds the field's path, a field set and a map for every object of every
//     answer. None of our fields is resolved concurrently below the root, so nothing is
//     ever added to the group: a query using @defer is answered whole, as it was before
//     the edit (web's TestDeferIsAnsweredWhole), and the rewriter refuses to make the edit
//     in an object with a field that is.
//
// Why these three and no more: paired, interleaved runs (medians), against the eight edits
// made before, which also pooled each answer's buffer, field sets and field contexts,
// remembered collected fields across requests and took a short way for leaf fields, in
// 300 more hand-written lines that mirrored gqlgen's internals. BenchmarkTransports/GET
// on one core (15 rounds): 269 µs per query with no edit, 75 µs with the eight, 100 µs
// with these three (87 % of the saving). The load test's server CPU per request (6
// rounds): 548 µs with no edit, 376 µs with the eight, 380 µs with these three, whose
// answers allocate 119 KB against the eight's 60 KB (177 KB with none).

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
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
