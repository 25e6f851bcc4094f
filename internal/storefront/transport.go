package storefront

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// post is the POST transport (GraphQL over HTTP, application/json). For a client that
// accepts application/json, as every storefront does, it answers as gqlgen's
// transport.POST answers, byte for byte, at less cost:
//
//   - the request body is read into a pooled buffer;
//   - the answer is built in a pooled answer: the buffer it is marshalled into, and its
//     objects' field sets;
//   - an answer with data only is written as {"data":…} around it, HTML-escaped as
//     encoding/json escapes it, instead of through json.Marshal, which also checks and
//     compacts the answer gqlgen has just written: 5 % of the API's CPU under load.
//
// Any other Accept header takes gqlgen's own way.
type post struct{ transport.POST }

// buffers are the request bodies and answers of requests in progress.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// answer is what one request's answer is built in, reused by later requests once it is
// written: the buffer it is marshalled into, and the field sets of its objects (the
// generated code asks answerBuffer and newFieldSet for them: `go generate` edits, see
// edits.go). A request's context holds its answer under answerKey.
type answer struct {
	buf bytes.Buffer
	mu  sync.Mutex // root fields are resolved concurrently
	// sets and values are chunks handed out in order: the next free one is at
	// sets[set][nextSet], values[value][nextValue].
	sets             [][]graphql.FieldSet
	values           [][]graphql.Marshaler
	set, nextSet     int
	value, nextValue int
}

type answerKey struct{}

var answers = sync.Pool{New: func() any { return new(answer) }}

const (
	setChunk   = 64
	valueChunk = 256
)

// answerBuffer is the buffer the generated code marshals an operation's answer into.
func answerBuffer(ctx context.Context) *bytes.Buffer {
	if a, ok := ctx.Value(answerKey{}).(*answer); ok {
		return &a.buf
	}
	return new(bytes.Buffer)
}

// newFieldSet is graphql.NewFieldSet, the field set of an object of the answer, from the
// request's answer when it has one. Its fields are not recorded: only @defer's views and
// the field set's own MarshalGQL read them, and neither is used (see objectWriter).
func newFieldSet(ctx context.Context, fields []graphql.CollectedField) *graphql.FieldSet {
	a, ok := ctx.Value(answerKey{}).(*answer)
	if !ok {
		return graphql.NewFieldSet(fields)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.set == len(a.sets) {
		a.sets = append(a.sets, make([]graphql.FieldSet, setChunk))
	}
	fs := &a.sets[a.set][a.nextSet]
	if a.nextSet++; a.nextSet == setChunk {
		a.set, a.nextSet = a.set+1, 0
	}
	n := len(fields)
	if n > valueChunk {
		fs.Values = make([]graphql.Marshaler, n)
		return fs
	}
	if a.value == len(a.values) || a.nextValue+n > valueChunk {
		if a.nextValue+n > valueChunk {
			a.value, a.nextValue = a.value+1, 0
		}
		if a.value == len(a.values) {
			a.values = append(a.values, make([]graphql.Marshaler, valueChunk))
		}
	}
	fs.Values = a.values[a.value][a.nextValue : a.nextValue+n : a.nextValue+n]
	a.nextValue += n
	return fs
}

// reset forgets the answer's objects, so the next request can use its chunks.
func (a *answer) reset() {
	a.buf.Reset()
	for i := range a.sets[:min(a.set+1, len(a.sets))] {
		clear(a.sets[i])
	}
	for i := range a.values[:min(a.value+1, len(a.values))] {
		clear(a.values[i])
	}
	a.set, a.nextSet, a.value, a.nextValue = 0, 0, 0, 0
}

func (p post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if a := r.Header.Get("Accept"); a != "" && a != "application/json" {
		p.POST.Do(w, r, exec)
		return
	}
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	body := buffers.Get().(*bytes.Buffer)
	body.Reset()
	defer buffers.Put(body)
	if _, err := body.ReadFrom(r.Body); err != nil {
		writeAnswer(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeAnswer(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body.String())}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeAnswer(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	a := answers.Get().(*answer)
	responses, ctx := exec.DispatchOperation(context.WithValue(ctx, answerKey{}, a), rc)
	writeAnswer(w, responses(ctx))
	a.reset() // the answer is written: nothing reads its objects any more
	answers.Put(a)
}

// writeAnswer writes resp as json.Marshal writes it.
func writeAnswer(w http.ResponseWriter, resp *graphql.Response) {
	if resp == nil || len(resp.Errors) > 0 || resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp)
		if err != nil {
			b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{{Message: errInternal.Error()}}})
		}
		w.Write(b)
		return
	}
	out := buffers.Get().(*bytes.Buffer)
	out.Reset()
	defer buffers.Put(out)
	out.WriteString(`{"data":`)
	if resp.Data == nil {
		out.WriteString("null")
	} else {
		json.HTMLEscape(out, resp.Data)
	}
	out.WriteString("}")
	w.Write(out.Bytes())
}
