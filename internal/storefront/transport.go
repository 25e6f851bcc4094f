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
//   - the answer is marshalled into a pooled buffer (the generated code asks answerBuffer
//     for it: a `go generate` edit, see edits.go) instead of one grown from nothing;
//   - an answer with data only is written as {"data":…} around it, HTML-escaped as
//     encoding/json escapes it, instead of through json.Marshal, which also checks and
//     compacts the answer gqlgen has just written: 5 % of the API's CPU under load.
//
// Any other Accept header takes gqlgen's own way.
type post struct{ transport.POST }

// buffers are the request bodies and answers of requests in progress.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// answerKey holds, in a request's context, the buffer its answer is marshalled into.
type answerKey struct{}

// answerBuffer is the buffer the generated code marshals an operation's answer into.
func answerBuffer(ctx context.Context) *bytes.Buffer {
	if b, ok := ctx.Value(answerKey{}).(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
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
	out := buffers.Get().(*bytes.Buffer)
	out.Reset()
	defer buffers.Put(out)
	responses, ctx := exec.DispatchOperation(context.WithValue(ctx, answerKey{}, out), rc)
	writeAnswer(w, responses(ctx))
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
