package storefront

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
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
// A client that asks for application/graphql-response+json takes gqlgen's own way.
type post struct{ transport.POST }

// buffers are the request bodies and answers of requests in progress.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer kept for later requests: a rare large body or answer
// is left to the collector rather than held by the pool.
const maxPooled = 64 << 10

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		buffers.Put(b)
	}
}

// answer is what one request's answer is built in, reused by later requests once it is
// written: the buffer it is marshalled into, its objects' field sets and values, and its
// lists' field contexts (the generated code asks answerBuffer and newFieldSet for them,
// `go generate` edits, see edits.go; marshalSlice asks too). A request's context holds
// its answer under answerKey.
type answer struct {
	buf      bytes.Buffer
	mu       sync.Mutex // root fields are resolved concurrently
	sets     chunks[graphql.FieldSet]
	values   chunks[graphql.Marshaler]
	contexts chunks[graphql.FieldContext]
	indexes  chunks[int]
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
	fs := &a.sets.take(1)[0]
	fs.Values = a.values.take(len(fields))
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
		fc = &a.contexts.take(1)[0]
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
	return a.values.take(n), a.contexts.take(n), a.indexes.take(n)
}

// reset forgets the answer's objects, so the next request can use its chunks.
func (a *answer) reset() {
	a.buf.Reset()
	a.sets.reset()
	a.values.reset()
	a.contexts.reset()
	a.indexes.reset()
}

// chunks hand out slices of Ts in order, from chunks kept from request to request.
type chunks[T any] struct {
	all         [][]T
	chunk, next int // the next free T is all[chunk][next]
}

const chunkSize = 256

// take returns n zero Ts, whose slice cannot grow into the next ones.
func (c *chunks[T]) take(n int) []T {
	if n > chunkSize {
		return make([]T, n)
	}
	if c.chunk < len(c.all) && c.next+n > chunkSize {
		c.chunk, c.next = c.chunk+1, 0
	}
	if c.chunk == len(c.all) {
		c.all = append(c.all, make([]T, chunkSize))
	}
	out := c.all[c.chunk][c.next : c.next+n : c.next+n]
	c.next += n
	return out
}

// reset zeroes what was handed out and starts again.
func (c *chunks[T]) reset() {
	for i := range c.all[:min(c.chunk+1, len(c.all))] {
		clear(c.all[i])
	}
	c.chunk, c.next = 0, 0
}

func (p post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		p.POST.Do(w, r, exec)
		return
	}
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	body := buffers.Get().(*bytes.Buffer)
	body.Reset()
	defer putBuffer(body)
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
	run(w, r, exec, params, false)
}

// get is the GET transport: a query in the URL's query string (query, variables,
// operationName, extensions), as Apollo Client sends queries when told to (PWA Studio
// does, for every query). For a client that takes application/json it answers as
// gqlgen's transport.GET answers, mutations refused alike, with the POST transport's
// pooled buffers; any other Accept header takes gqlgen's own way.
type get struct{ transport.GET }

func (g get) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		g.GET.Do(w, r, exec)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeAnswer(w, &graphql.Response{Errors: gqlerror.List{{Message: err.Error()}}})
		return
	}
	params := &graphql.RawParams{Query: query.Get("query"), OperationName: query.Get("operationName"), Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := query.Get(p.name); v != "" {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(p.into); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				writeAnswer(w, &graphql.Response{Errors: gqlerror.List{{Message: p.name + " could not be decoded"}}})
				return
			}
		}
	}
	params.ReadTime.End = graphql.Now()
	run(w, r, exec, params, true)
}

// acceptsJSON reports whether gqlgen's transports answer a request with this Accept header
// as application/json (their default), rather than as application/graphql-response+json,
// whose errors take other statuses: the first media type of the list that names one of
// them decides. Apollo Client sends */*.
func acceptsJSON(accept string) bool {
	if accept == "" || accept == "application/json" || accept == "*/*" {
		return true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return true
		case "application/graphql-response+json":
			return false
		}
	}
	return false
}

// run runs an operation and writes its answer, built in a pooled answer. A GET request
// (queryOnly) may not change anything: a mutation is refused before it runs. A request
// whose client has gone, or whose time is up, stops before its operation runs.
func run(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, queryOnly bool) {
	ctx := r.Context()
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeAnswer(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	if queryOnly && rc.Operation.Operation != ast.Query {
		w.WriteHeader(http.StatusNotAcceptable)
		writeAnswer(w, &graphql.Response{Errors: gqlerror.List{{Message: "GET requests only allow query operations"}}})
		return
	}
	if ctx.Err() != nil {
		writeGone(w)
		return
	}
	a := answers.Get().(*answer)
	responses, ctx := exec.DispatchOperation(context.WithValue(ctx, answerKey{}, a), rc)
	if resp := responses(ctx); resp != nil {
		writeAnswer(w, resp)
	} else {
		writeGone(w) // gqlgen's sign that the request's context is done
	}
	if a.buf.Cap() <= maxPooled {
		a.reset() // the answer is written: nothing reads its objects any more
		answers.Put(a)
	}
}

// writeGone answers a request that stopped because its client went or its time ran out.
func writeGone(w http.ResponseWriter) {
	w.WriteHeader(http.StatusServiceUnavailable)
	writeAnswer(w, &graphql.Response{Errors: gqlerror.List{errGone()}})
}

// writeAnswer writes resp as json.Marshal writes it. Where gqlgen's transport panics on an
// answer json.Marshal cannot write, the client gets an internal error instead.
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
	defer putBuffer(out)
	out.WriteString(`{"data":`)
	if resp.Data == nil {
		out.WriteString("null")
	} else {
		json.HTMLEscape(out, resp.Data)
	}
	out.WriteString("}")
	w.Write(out.Bytes())
}
