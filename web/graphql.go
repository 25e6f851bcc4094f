package web

import (
	"context"
	"math/rand/v2"
	"net/http"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/storefront"
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

// graphqlAPI serves the storefront GraphQL API (POST, and GET for queries).
func (s *Server) graphqlAPI(c echo.Context) error {
	r := c.Request()
	ctx := context.WithValue(r.Context(), requestInfoKey{}, requestInfo{id: requestIDOf(c), ip: c.RealIP()})
	s.graphql.ServeHTTP(c.Response(), r.WithContext(ctx))
	return nil
}
