package exec

import (
	"bytes"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"audienceactivation/internal/chunk"
)

// WithAnswer gives an operation a pooled answer to be built in: run the operation with the
// context it returns, write its answer, then call release, after which nothing may read
// the answer's bytes or objects. The storefront's transports call it; an operation run
// without one (gqlgen's own transports) builds its answer as gqlgen does.
func WithAnswer(ctx context.Context) (context.Context, func()) {
	a := answers.Get().(*answer)
	return context.WithValue(ctx, answerKey{}, a), func() {
		if a.buf.Cap() <= maxPooled {
			a.reset() // the answer is written: nothing reads its objects any more
			answers.Put(a)
		}
	}
}

// maxPooled is the largest answer buffer kept for later requests: a rare large answer is
// left to the collector rather than held by the pool.
const maxPooled = 64 << 10

// answer is what one request's answer is built in, reused by later requests once it is
// written: the buffer it is marshalled into, its objects' field sets and values, and its
// lists' field contexts (the generated code asks answerBuffer and newFieldSet for them,
// the rewritten generated code, see edits.go; marshalSlice asks too), in chunks (package
// chunk) that Reset hands out again. A request's context holds its answer under answerKey.
type answer struct {
	buf      bytes.Buffer
	mu       sync.Mutex // root fields are resolved concurrently
	sets     chunk.Allocator[graphql.FieldSet]
	values   chunk.Allocator[graphql.Marshaler]
	contexts chunk.Allocator[graphql.FieldContext]
	indexes  chunk.Allocator[int]
}

type answerKey struct{}

var answers = sync.Pool{New: func() any { return new(answer) }}

// answerOf is the request's answer; nil when it has none (another transport).
func answerOf(ctx context.Context) *answer {
	a, _ := ctx.Value(answerKey{}).(*answer)
	return a
}

// answerBuffer is the buffer the generated code marshals an operation's answer into.
func answerBuffer(ctx context.Context) *bytes.Buffer {
	if a := answerOf(ctx); a != nil {
		return &a.buf
	}
	return new(bytes.Buffer)
}

// newFieldSet is graphql.NewFieldSet, the field set of an object of the answer, from the
// request's answer when it has one. Its fields are not recorded: only @defer's views and
// the field set's own MarshalGQL read them, and neither is used (see objectWriter).
func newFieldSet(ctx context.Context, fields []graphql.CollectedField) *graphql.FieldSet {
	a := answerOf(ctx)
	if a == nil {
		return graphql.NewFieldSet(fields)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fs := a.sets.New()
	fs.Values = a.values.Make(len(fields))
	return fs
}

// fieldContextIn is the field context v, for a field with an object's value, from the
// request's answer when it has one.
func fieldContextIn(ctx context.Context, v graphql.FieldContext) *graphql.FieldContext {
	var fc *graphql.FieldContext
	if a := answerOf(ctx); a == nil {
		fc = new(graphql.FieldContext)
	} else {
		a.mu.Lock()
		fc = a.contexts.New()
		a.mu.Unlock()
	}
	*fc = v // v itself stays on the stack
	return fc
}

// listParts are the elements, field contexts and indexes of a list of n elements: from
// the answer when there is one.
func (a *answer) listParts(n int) (graphql.Array, []graphql.FieldContext, []int) {
	if a == nil {
		return make(graphql.Array, n), make([]graphql.FieldContext, n), make([]int, n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.values.Make(n), a.contexts.Make(n), a.indexes.Make(n)
}

// reset forgets the answer's objects, so the next request can use its chunks.
func (a *answer) reset() {
	a.buf.Reset()
	a.sets.Reset()
	a.values.Reset()
	a.contexts.Reset()
	a.indexes.Reset()
}
