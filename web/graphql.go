package web

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/storefront"
	"audienceactivation/static"
)

// requestInfoKey carries the request id and client address to the GraphQL handler, which
// sees only the *http.Request.
type requestInfoKey struct{}

type requestInfo struct{ id, ip string }

// storefrontAPI builds the GraphQL endpoint on the storefront's snapshots.
func (s *Server) storefrontAPI() http.Handler {
	info := func(r *http.Request) requestInfo {
		v, _ := r.Context().Value(requestInfoKey{}).(requestInfo)
		return v
	}
	return storefront.NewHandler(storefront.Deps{
		StoreViews: s.deps.LiveStoreViews.Current, Blocks: s.deps.LiveBlocks.Current, Membership: s.deps.LiveMembership.Current,
		Trust: s.deps.LiveTrust.Current, Checkout: s.deps.Checkout, Catalog: s.deps.Catalog, Customers: s.deps.Customers,
		Throttle: s.deps.Auth, Log: s.deps.Logger, Now: s.deps.Now, Rand: rand.IntN,
		ClientIP:          func(r *http.Request) string { return info(r).ip },
		RequestID:         func(r *http.Request) string { return info(r).id },
		MembershipRefused: s.metrics.membershipRefused.Inc,
	})
}

// graphqlAPI serves the storefront GraphQL API (POST, and GET for queries), and the
// explorer to a browser that opens the address.
func (s *Server) graphqlAPI(c echo.Context) error {
	r := c.Request()
	if wantsExplorer(r) {
		return graphqlExplorer(c)
	}
	ctx := context.WithValue(r.Context(), requestInfoKey{}, requestInfo{id: requestIDOf(c), ip: c.RealIP()})
	s.graphql.ServeHTTP(c.Response(), r.WithContext(ctx))
	return nil
}

// wantsExplorer reports whether r is a browser opening /graphql itself: a GET without a
// query whose Accept header names HTML. Storefront clients send a query (or a persisted
// query's hash) and accept JSON.
func wantsExplorer(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if r.Method != http.MethodGet || !strings.Contains(accept, "text/html") || r.URL.Query().Has("query") {
		return false
	}
	for part := range strings.SplitSeq(accept, ",") {
		if mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mediaType == "text/html" {
			return !r.URL.Query().Has("extensions")
		}
	}
	return false
}

// explorerPolicy is the Content-Security-Policy of the explorer page: the application's,
// with fonts from data: URLs, which is how GraphiQL's stylesheet carries its fonts.
const explorerPolicy = contentSecurityPolicy + "; font-src 'self' data:"

// graphqlExplorer is GraphiQL (vendored, see static/graphiql/VERSION) on this API.
func graphqlExplorer(c echo.Context) error {
	page, err := fs.ReadFile(static.FS, "graphiql/explorer.html")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", explorerPolicy)
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Add(echo.HeaderVary, echo.HeaderAccept)
	return c.HTMLBlob(http.StatusOK, page)
}
