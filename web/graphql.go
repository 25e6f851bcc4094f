package web

import (
	"context"
	"io/fs"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/shopper"
	"audienceactivation/static"
)

// withOrigin is the request's context carrying its id and the client's address, as values
// for the shopper reader (logs, throttling).
func withOrigin(c echo.Context) context.Context {
	return shopper.WithOrigin(c.Request().Context(), shopper.Origin{RequestID: requestIDOf(c), ClientIP: c.RealIP()})
}

// graphqlAPI serves the storefront GraphQL API (POST, and GET for queries), and the
// explorer to a browser that opens the address.
func (s *Server) graphqlAPI(c echo.Context) error {
	r := c.Request()
	if wantsExplorer(r) {
		return graphqlExplorer(c)
	}
	if s.deps.StorefrontAPI == nil {
		return echo.ErrNotFound
	}
	s.deps.StorefrontAPI.ServeHTTP(c.Response(), r.WithContext(withOrigin(c)))
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
