package storefront

import (
	"bytes"
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

func (p post) Do(w http.ResponseWriter, r *http.Request, executor graphql.GraphExecutor) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		p.POST.Do(w, r, executor)
		return
	}
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	body := buffers.Get().(*bytes.Buffer)
	body.Reset()
	defer putBuffer(body)
	if _, err := body.ReadFrom(r.Body); err != nil {
		writeAnswer(w, executor.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeAnswer(w, executor.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body.String())}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	run(w, r, executor, params, false)
}

// get is the GET transport: a query in the URL's query string (query, variables,
// operationName, extensions), as Apollo Client sends queries when told to (PWA Studio
// does, for every query). For a client that takes application/json it answers as
// gqlgen's transport.GET answers, mutations refused alike, with the POST transport's
// pooled buffers; any other Accept header takes gqlgen's own way.
type get struct{ transport.GET }

func (g get) Do(w http.ResponseWriter, r *http.Request, executor graphql.GraphExecutor) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		g.GET.Do(w, r, executor)
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
	run(w, r, executor, params, true)
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
func run(w http.ResponseWriter, r *http.Request, executor graphql.GraphExecutor, params *graphql.RawParams, queryOnly bool) {
	ctx := r.Context()
	rc, opErr := executor.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeAnswer(w, executor.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
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
	responses, ctx := executor.DispatchOperation(ctx, rc)
	if resp := responses(ctx); resp != nil {
		writeAnswer(w, resp)
	} else {
		writeGone(w) // gqlgen's sign that the request's context is done
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
