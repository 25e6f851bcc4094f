// Package storefront is the storefront GraphQL API (gqlgen): a Magento-shaped subset for
// headless storefronts, with the shopper's Real-Time CDP membership read from the
// aep-segments-membership header. Rules, blocks, audiences and store views come from the
// in-memory snapshots; only carts, orders and customers touch the database.
package storefront

// gqlgen writes the executor (exec, see gqlgen.yml), then ./rewrite makes the edits
// exec/edits.go explains, failing when one does not find what it expects.
//go:generate go tool gqlgen generate
//go:generate go run ./rewrite exec/generated.go

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/shopper"
	"audienceactivation/internal/storefront/exec"
	"audienceactivation/internal/stores"
)

// Throttle limits sign-in attempts (the admin sign-in's throttling, keyed per customer).
type Throttle interface {
	Attempt(ctx context.Context, key, addr string) (int64, error)
	Forget(ctx context.Context, key string) error
}

// Deps are the services and snapshots the storefront API reads.
type Deps struct {
	// Shoppers reads who is shopping (store view, customer, audiences) from each request,
	// as the /store pages read it.
	Shoppers   *shopper.Reader
	StoreViews func(context.Context) ([]stores.StoreView, error)
	Blocks     func(context.Context) (*dynamicblocks.Snapshot, error)
	Membership func(context.Context) (audiences.Membership, error)
	Checkout   *checkout.Service
	Catalog    *catalog.Service
	Customers  *customers.Service
	Throttle   Throttle
	Log        *slog.Logger
	Now        func() time.Time
	// Rand picks a block for random rotation.
	Rand func(n int) int
}

// MaxComplexity bounds the work one query may ask for.
const MaxComplexity = 1000

// NewHandler returns the GraphQL endpoint (POST and GET).
func NewHandler(d Deps) http.Handler {
	cfg := exec.Config{Resolvers: &Resolver{deps: d}}
	es := exec.NewExecutableSchema(cfg)
	srv := handler.New(es)
	srv.AddTransport(get{})
	srv.AddTransport(post{})
	queries := smallOnly[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000), func(query string, _ *ast.QueryDocument) string { return query }}
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(MaxTokens)
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: smallOnly[string]{lru.New[string](100), func(_, query string) string { return query }}})
	srv.Use(bounds{cache: queries}) // after persisted queries have filled in the text
	if limit := newComplexityLimit(MaxComplexity, cfg.Complexity); limit != nil {
		srv.Use(limit)
	} else {
		srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	}
	schema := es.Schema()
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error { return d.presentError(ctx, schema, err) })
	srv.AroundOperations(limitRootFields)
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		d.Log.Error("storefront api panic", "panic", p, "request_id", shopper.OriginOf(ctx).RequestID)
		return errInternal
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := d.Shoppers.Read(r, shopper.API)
		if err != nil {
			refused := refusal(err)
			if refused == errInternal {
				d.Log.Error("storefront api", "error", err, "request_id", shopper.OriginOf(r.Context()).RequestID)
			}
			writeErrors(w, refused.status, refused)
			return
		}
		// Answers depend on the shopper's headers: no shared cache may keep one.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Store, Authorization, aep-segments-membership, Cookie")
		srv.ServeHTTP(magentoStatus{w}, r.WithContext(shopper.NewContext(r.Context(), who)))
	})
}

// magentoStatus answers a query that does not parse or validate with HTTP 200, as Magento
// does (its errors say what is wrong), where gqlgen's transports answer 422: a client such
// as Apollo reads the errors of a 200 answer as GraphQL errors and those of a 4xx one as a
// network failure.
type magentoStatus struct{ http.ResponseWriter }

func (w magentoStatus) WriteHeader(code int) {
	if code == http.StatusUnprocessableEntity {
		code = http.StatusOK
	}
	w.ResponseWriter.WriteHeader(code)
}

// MaxRootFields bounds the top-level fields (aliases included, fragments expanded) of one
// request, so one request cannot create hundreds of carts or price a cart hundreds of
// times; a request signs in at most once.
const MaxRootFields = 20

func limitRootFields(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	root := []string{"Query"}
	if oc.Operation.Operation == ast.Mutation {
		root = []string{"Mutation"}
	}
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, root)
	signIns := 0
	for _, f := range fields {
		if f.Name == "generateCustomerToken" {
			signIns++
		}
	}
	refuse := func(msg string) graphql.ResponseHandler {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"category": "graphql-input"}}}})
	}
	switch {
	case len(fields) > MaxRootFields:
		return refuse(fmt.Sprintf("A request may ask for at most %d top-level fields.", MaxRootFields))
	case signIns > 1:
		return refuse("A request may sign in only once.")
	}
	return next(ctx)
}

// shopperOf is the shopper the request's headers name (shopper.Reader, API channel): who
// every resolver answers for. A context without one (a test's) is a guest of no store view.
func shopperOf(ctx context.Context) *shopper.Shopper {
	if s := shopper.FromContext(ctx); s != nil {
		return s
	}
	return &shopper.Shopper{Location: time.UTC}
}

// refusal is how the API answers a request whose shopper cannot be read: Magento's
// messages, categories and HTTP statuses; anything else is a fault (errInternal).
func refusal(err error) *apiError {
	switch {
	case errors.Is(err, shopper.ErrNoStoreView):
		return &apiError{msg: err.Error(), category: "graphql-no-such-entity", status: http.StatusNotFound}
	case errors.Is(err, shopper.ErrBadToken):
		return errBadToken
	case errors.Is(err, audiences.ErrMembershipTooLarge):
		return &apiError{msg: err.Error(), category: "graphql-input", status: http.StatusBadRequest}
	}
	return errInternal
}

// apiError is an error the client is told, with Magento's error category.
type apiError struct {
	msg      string
	category string
	status   int // for errors answered before the query runs
}

func (e *apiError) Error() string { return e.msg }

var (
	errInternal     = &apiError{msg: "Internal server error", category: "internal", status: http.StatusInternalServerError}
	errUnauthorized = &apiError{msg: "The current customer isn't authorized.", category: "graphql-authorization", status: http.StatusUnauthorized}
	// errBadToken answers a token that is not (or no longer) valid: an authentication
	// failure, which a client such as Venia meets by signing the shopper out.
	errBadToken = &apiError{msg: "The current customer isn't authorized.", category: "graphql-authentication", status: http.StatusUnauthorized}
)

func inputError(msg string) error { return &apiError{msg: msg, category: "graphql-input"} }

// presentError turns a resolver's error into the GraphQL error the client sees: shopper
// errors as they are, with Magento's categories; faults as "Internal server error", logged.
func (d Deps) presentError(ctx context.Context, schema *ast.Schema, err error) *gqlerror.Error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) && ge.Err == nil {
		// A parse or validation error of the query itself, with Magento's category for those
		// (on a copy: the error may be shared).
		if _, ok := ge.Extensions["category"]; ok {
			return ge
		}
		out := *ge
		out.Extensions = map[string]any{"category": "graphql"}
		if msg := variableMessage(ctx, schema, ge); msg != "" {
			out.Message = msg
		}
		for k, v := range ge.Extensions {
			out.Extensions[k] = v
		}
		return &out
	}
	out := graphql.DefaultErrorPresenter(ctx, err)
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		out.Message = ae.msg
		out.Extensions = map[string]any{"category": ae.category}
	case checkout.IsShopperError(err):
		out.Extensions = map[string]any{"category": "graphql-input"}
	default:
		d.Log.Error("storefront api", "error", err, "request_id", shopperOf(ctx).RequestID, "path", out.Path.String())
		out.Message = errInternal.msg
		out.Extensions = map[string]any{"category": errInternal.category}
	}
	return out
}

// writeErrors answers a request refused before the query runs.
func writeErrors(w http.ResponseWriter, status int, err error) {
	cat := "graphql-input"
	var ae *apiError
	if errors.As(err, &ae) {
		cat = ae.category
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": err.Error(), "extensions": map[string]any{"category": cat}}}})
}
