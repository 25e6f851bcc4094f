// Package storefront is the storefront GraphQL API (gqlgen): a Magento-shaped subset for
// headless storefronts, with the shopper's Real-Time CDP membership read from the
// aep-segments-membership header. Rules, blocks, audiences and store views come from the
// in-memory snapshots; only carts, orders and customers touch the database.
package storefront

//go:generate sh -c "go tool gqlgen generate && perl -0p -i edits.pl exec/generated.go"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	StoreViews func(context.Context) ([]stores.StoreView, error)
	Blocks     func(context.Context) (*dynamicblocks.Snapshot, error)
	Membership func(context.Context) (audiences.Membership, error)
	Trust      func(context.Context) (audiences.Trust, error)
	Checkout   *checkout.Service
	Catalog    *catalog.Service
	Customers  *customers.Service
	Throttle   Throttle
	Log        *slog.Logger
	Now        func() time.Time
	// ClientIP is the address sign-in attempts are throttled by.
	ClientIP func(*http.Request) string
	// RequestID names the request in logs.
	RequestID func(*http.Request) string
	// MembershipRefused is told of each membership value that counted as none.
	MembershipRefused func()
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
		d.Log.Error("storefront api panic", "panic", p, "request_id", requestOf(ctx).id)
		return errInternal
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := d.readRequest(r)
		if err != nil {
			var ae *apiError
			status := http.StatusInternalServerError
			if errors.As(err, &ae) {
				status = ae.status
			} else {
				d.Log.Error("storefront api", "error", err, "request_id", d.RequestID(r))
				err = errInternal
			}
			writeErrors(w, status, err)
			return
		}
		// Answers depend on the shopper's headers: no shared cache may keep one.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Add("Vary", "Store, Authorization, aep-segments-membership, Cookie")
		srv.ServeHTTP(magentoStatus{w}, r.WithContext(context.WithValue(r.Context(), requestKey{}, req)))
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
	fields := exec.RootFields(oc)
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

// request is what the headers of a request say: the store view, the customer and the
// shopper's audiences.
type request struct {
	id        string
	ip        string
	view      stores.StoreView
	loc       *time.Location
	token     string
	customer  *customers.Customer
	audiences []int64  // local ids of the shopper's active audiences on the website
	cdpIDs    []string // the membership id of each of audiences, in lower case
}

type requestKey struct{}

func requestOf(ctx context.Context) *request {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		return r
	}
	return &request{loc: time.UTC}
}

// readRequest reads the Store, Authorization and membership headers.
func (d Deps) readRequest(r *http.Request) (*request, error) {
	ctx := r.Context()
	req := &request{id: d.RequestID(r), ip: d.ClientIP(r), loc: time.UTC}
	views, err := d.StoreViews(ctx)
	if err != nil {
		return nil, err
	}
	code := strings.TrimSpace(r.Header.Get("Store"))
	found := false
	for _, v := range views {
		if (code == "" && v.IsDefault) || (code != "" && v.Code == code && v.IsActive) {
			req.view, found = v, true
			break
		}
	}
	if !found {
		return nil, &apiError{msg: "Requested store is not found", category: "graphql-no-such-entity", status: http.StatusNotFound}
	}
	req.loc = req.view.Location()
	// A bearer token names a customer; other schemes (a proxy's Basic credentials, say)
	// are not ours to read, as on Magento.
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "bearer") {
		c, err := d.Customers.ByToken(ctx, strings.TrimSpace(token), d.Now())
		if errors.Is(err, customers.ErrBadToken) || (err == nil && c.WebsiteID != req.view.WebsiteID) {
			return nil, errBadToken
		} else if err != nil {
			return nil, err
		}
		req.token, req.customer = strings.TrimSpace(token), &c
	}
	// The header, when sent (repeated headers are one comma-separated list, as HTTP has
	// it), wins over the cookie.
	values, header := r.Header.Values(audiences.MembershipName), true
	raw := strings.Join(values, ",")
	if values == nil {
		if ck, err := r.Cookie(audiences.MembershipName); err == nil {
			raw, header = ck.Value, false
		}
	}
	if raw == "" {
		return req, nil
	}
	trust, err := d.Trust(ctx)
	if err != nil {
		return nil, err
	}
	// A value bound to a customer counts only for that customer, once the token says who.
	customer := ""
	if req.customer != nil {
		customer = strconv.FormatInt(req.customer.ID, 10)
	}
	ids, err := trust.ReadFor(raw, header, d.Now(), customer)
	if errors.Is(err, audiences.ErrMembershipTooLarge) {
		return nil, &apiError{msg: err.Error(), category: "graphql-input", status: http.StatusBadRequest}
	}
	if err != nil {
		if d.MembershipRefused != nil {
			d.MembershipRefused()
		}
		d.Log.Info("membership refused", "request_id", req.id, "reason", err.Error())
		return req, nil
	}
	m, err := d.Membership(ctx)
	if err != nil {
		return nil, err
	}
	req.audiences, req.cdpIDs = m.ResolveNamed(req.view.WebsiteID, ids)
	return req, nil
}

// shopper is who the request prices carts for.
func (r *request) shopper() checkout.Shopper {
	s := checkout.Shopper{Audiences: r.audiences, Location: r.loc}
	if r.customer != nil {
		s.CustomerGroupID = r.customer.GroupID
	}
	return s
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
		d.Log.Error("storefront api", "error", err, "request_id", requestOf(ctx).id, "path", out.Path.String())
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
