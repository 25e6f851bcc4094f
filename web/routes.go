package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"audienceactivation/static"
)

// routes is the table of contents of the product: every route, in one place.
func (s *Server) routes() {
	e := s.echo
	e.Pre(s.requestID)
	e.Use(s.recoverPanic, s.logRequests, securityHeaders, s.bodyLimit, s.timeout)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler())
	e.GET("/static/*", serveStatic)
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/admin") })

	// The storefront GraphQL API, for headless storefronts on any origin: it takes no
	// cookies of ours for authority (customers send a bearer token), so CORS is open.
	// The headers a preflight asks for are allowed (storefront clients send their own, such
	// as Content-Currency), and a preflight is remembered for a day.
	api := e.Group("/graphql", middleware.CORSWithConfig(middleware.CORSConfig{AllowOrigins: []string{"*"},
		AllowMethods: []string{http.MethodGet, http.MethodPost}, MaxAge: 86400}))
	api.GET("", s.graphqlAPI)
	api.POST("", s.graphqlAPI)
	api.OPTIONS("", s.graphqlAPI) // CORS preflight, answered by the middleware

	// The reference storefront.
	store := e.Group("/store", s.storefrontCSRF)
	store.GET("", s.storeHome)
	store.GET("/switch", s.storeSwitch)
	store.GET("/products", s.storeProducts)
	store.GET("/products/:sku", s.storeProduct)
	store.GET("/cart", s.storeCart)
	store.POST("/cart/add", s.storeCartAdd)
	store.POST("/cart/update", s.storeCartUpdate)
	store.POST("/cart/coupon", s.storeCartCoupon)
	store.POST("/cart/place", s.storeCartPlace)
	store.POST("/membership", s.storeDemoMembership)
	store.GET("/account/login", s.storeLogin)
	store.POST("/account/login", s.storeLoginSubmit)
	store.POST("/account/logout", s.storeLogout)

	// Signed-out admin pages: small bodies, CSRF-protected, no session required.
	pub := e.Group("/admin", anonymousBodyLimit, s.adminCSRF)
	pub.GET("/login", s.loginForm)
	pub.POST("/login", s.login)
	pub.GET("/login/2fa", s.twoFactorForm)
	pub.POST("/login/2fa", s.twoFactorVerify)
	pub.GET("/login/2fa/setup", s.twoFactorSetup)
	pub.POST("/login/2fa/setup", s.twoFactorConfirm)

	// Signed-in admin pages.
	// Signed-in admin pages: each route needs the permission web/access.go gives it.
	// Nothing of a body is parsed before the session, the role and the CSRF token pass.
	a := e.Group("/admin", s.requireAdmin, s.authorize, s.adminCSRF)
	a.GET("", s.dashboard)
	a.POST("/logout", s.logout)
	a.POST("/grids/:grid/columns", s.gridColumnsSave) // a grid's column chooser

	a.GET("/audiences", s.audiencesList)
	a.GET("/audiences.csv", s.audiencesCSV)
	a.GET("/audiences/:id", s.audienceDetail)
	a.POST("/audiences/sync", s.audiencesSync)
	a.GET("/audiences/sync-status", s.audiencesSyncStatus)
	a.GET("/audiences/chooser", s.audiencesChooser)

	a.GET("/price-rules", s.rulesGrid)
	a.GET("/price-rules.csv", s.rulesCSV)
	a.GET("/price-rules/new", s.ruleNew)
	a.POST("/price-rules", s.ruleCreate)
	a.POST("/price-rules/mass", s.rulesMass)
	a.GET("/price-rules/transfer", s.rulesTransfer)
	a.GET("/price-rules/export.json", s.rulesExport)
	a.POST("/price-rules/import", s.rulesImport)
	a.GET("/price-rules/:id/edit", s.ruleEdit)
	a.POST("/price-rules/:id", s.ruleUpdate)
	a.POST("/price-rules/:id/duplicate", s.ruleDuplicate)
	a.GET("/price-rules/:id/delete", s.ruleDeleteConfirm)
	a.POST("/price-rules/:id/delete", s.ruleDelete)
	a.POST("/price-rules/:id/coupons/generate", s.couponsGenerate)
	a.POST("/price-rules/:id/coupons/delete", s.couponsDelete)
	a.GET("/price-rules/:id/coupons.csv", s.couponsCSV)

	a.GET("/dynamic-blocks", s.blocksGrid)
	a.GET("/dynamic-blocks.csv", s.blocksCSV)
	a.GET("/dynamic-blocks/new", s.blockNew)
	a.POST("/dynamic-blocks", s.blockCreate)
	a.POST("/dynamic-blocks/mass", s.blocksMass)
	a.POST("/dynamic-blocks/preview", s.blockPreview)
	a.GET("/dynamic-blocks/:id/edit", s.blockEdit)
	a.POST("/dynamic-blocks/:id", s.blockUpdate)
	a.GET("/dynamic-blocks/:id/delete", s.blockDeleteConfirm)
	a.POST("/dynamic-blocks/:id/delete", s.blockDelete)
	a.GET("/dynamic-blocks/placements", s.placementsList)
	a.GET("/dynamic-blocks/placements/new", s.placementNew)
	a.POST("/dynamic-blocks/placements", s.placementCreate)
	a.GET("/dynamic-blocks/placements/:id/edit", s.placementEdit)
	a.POST("/dynamic-blocks/placements/:id", s.placementUpdate)
	a.GET("/dynamic-blocks/placements/:id/delete", s.placementDeleteConfirm)
	a.POST("/dynamic-blocks/placements/:id/delete", s.placementDelete)

	a.GET("/preview", s.previewPage)
	a.POST("/preview", s.previewRun)

	a.GET("/catalog", s.catalogPage)
	a.GET("/catalog.csv", s.productsCSV)
	a.POST("/catalog/import", s.catalogImport)

	a.GET("/sales/orders", s.ordersList)
	a.GET("/sales/orders.csv", s.ordersCSV)
	a.GET("/reports/audience-promotions", s.reportPromotions)
	a.GET("/reports/audience-promotions.csv", s.reportPromotionsCSV)
	a.GET("/sales/orders/:id", s.orderView)
	a.GET("/customers", s.customersList)
	a.GET("/customers.csv", s.customersCSV)
	a.GET("/customers/new", s.customerNew)
	a.POST("/customers", s.customerCreate)
	a.GET("/customers/:id/edit", s.customerEdit)
	a.POST("/customers/:id", s.customerUpdate)
	a.GET("/customers/:id/delete", s.customerDeleteConfirm)
	a.POST("/customers/:id/delete", s.customerDelete)

	a.GET("/stores", s.storesList)
	a.GET("/stores/websites/new", s.websiteNew)
	a.POST("/stores/websites", s.websiteCreate)
	a.GET("/stores/websites/:id/edit", s.websiteEdit)
	a.POST("/stores/websites/:id", s.websiteUpdate)
	a.GET("/stores/websites/:id/delete", s.websiteDeleteConfirm)
	a.POST("/stores/websites/:id/delete", s.websiteDelete)
	a.GET("/stores/views/new", s.storeViewNew)
	a.POST("/stores/views", s.storeViewCreate)
	a.GET("/stores/views/:id/edit", s.storeViewEdit)
	a.POST("/stores/views/:id", s.storeViewUpdate)
	a.GET("/stores/views/:id/delete", s.storeViewDeleteConfirm)
	a.POST("/stores/views/:id/delete", s.storeViewDelete)

	a.GET("/config/services", s.servicesForm)
	a.POST("/config/services", s.servicesSave)
	a.POST("/config/services/import-workspace", s.servicesImportWorkspace)
	a.POST("/config/services/test-connection", s.servicesTestConnection)

	a.GET("/users", s.usersList)
	a.GET("/users/new", s.userNew)
	a.POST("/users", s.userCreate)
	a.GET("/users/:id/edit", s.userEdit)
	a.POST("/users/:id", s.userUpdate)

	a.GET("/action-log", s.actionLogList)
	a.GET("/action-log/:id", s.actionLogDetail)
}

// serveStatic serves an embedded file with a cache lifetime of one hour; anything else,
// directories included, is the friendly 404.
func serveStatic(c echo.Context) error {
	name := c.Param("*")
	if !static.Exists(name) {
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
	http.ServeFileFS(c.Response(), c.Request(), static.FS, name)
	return nil
}
