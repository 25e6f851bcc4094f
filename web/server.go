// Package web is the HTTP layer: the echo server, its middleware, the one error handler,
// and the handlers of every admin area. It is the only package that imports echo, so a
// move to another router version touches this package alone.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/config"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/db"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/shopper"
	"audienceactivation/internal/snapshot"
	"audienceactivation/internal/stores"
)

// Deps are the services the handlers use: web declares them here, and cmd/admin's
// composition root (cmd/admin/wiring) fills them in. web imports no wiring.
type Deps struct {
	Settings    config.Settings
	MasterKey   []byte
	DB          *db.DB
	Auth        *auth.Service
	Stores      *stores.Service
	Audit       *audit.Log
	StoreConfig *config.StoreConfig
	Audiences   *audiences.Store
	Syncer      *audiences.Syncer
	PriceRules  *pricerules.Service
	Blocks      *dynamicblocks.Service
	Catalog     *catalog.Service
	Customers   *customers.Service
	// The storefront's snapshots: compiled rules, blocks, audience membership.
	LiveRules      *snapshot.Holder[*pricerules.Snapshot]
	LiveBlocks     *snapshot.Holder[*dynamicblocks.Snapshot]
	LiveMembership *snapshot.Holder[audiences.Membership]
	LiveTrust      *snapshot.Holder[audiences.Trust]
	LiveSDKNames   *snapshot.Holder[map[int64]string]
	LiveStoreViews *snapshot.Holder[[]stores.StoreView]
	LiveShipping   *snapshot.Holder[map[int64]checkout.FlatRate]
	LiveCatalog    *snapshot.Holder[*catalog.Index]
	Checkout       *checkout.Service
	// Shoppers reads who is shopping from a storefront request, for both storefronts.
	Shoppers *shopper.Reader
	// StorefrontAPI is the storefront GraphQL API (internal/storefront) served at /graphql;
	// it reads the request's id and client address from shopper.Origin.
	StorefrontAPI http.Handler
	// RuleDirectory translates rule references for import and export.
	RuleDirectory pricerules.Directory
	Logger        *slog.Logger
	// DemoMode shows the storefront's panel for joining and leaving audiences.
	DemoMode bool
	// CreateUserCommand is the shell command that creates an admin user for this server's
	// database, for the first-run instructions.
	CreateUserCommand string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the admin application's HTTP server.
type Server struct {
	deps     Deps
	echo     *echo.Echo
	sessions *sessionManager
	metrics  *metrics
	// storeCSRFKey signs the storefront's CSRF tokens (csrf.go).
	storeCSRFKey []byte
}

// New builds the server with every route and middleware.
func New(deps Deps) *Server {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.CreateUserCommand == "" {
		deps.CreateUserCommand = "admin user create"
	}
	s := &Server{deps: deps, echo: echo.New(), sessions: newSessionManager(deps.MasterKey, deps.Settings.SessionIdle, deps.Now),
		storeCSRFKey: config.DeriveKey(deps.MasterKey, "storefront-csrf")}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	// The client address feeds sign-in throttling and the action log: take it from the
	// connection unless a trusted proxy in front of us sets X-Forwarded-For.
	s.echo.IPExtractor = echo.ExtractIPDirect()
	if len(deps.Settings.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range deps.Settings.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.metrics = newMetrics(s)
	s.routes()
	return s
}

// ServeHTTP lets the server be used as an http.Handler (tests, http.Server).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists every registered method and path, for tests that walk the route table.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// Route is one registered route.
type Route struct{ Method, Path string }

// ListenAndServe serves on addr until ctx is cancelled, then shuts down gracefully, giving
// requests in flight up to 15 seconds.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.deps.Logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.deps.Logger.Info("serving", "addr", "http://"+ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.deps.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
