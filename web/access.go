package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/templates/layout"
)

// routePermissions maps every signed-in admin route ("METHOD path" as registered in
// routes.go) to the one permission it needs. A route missing here is refused to every role
// but administrators, and TestRoleRouteTable fails until it is added.
var routePermissions = map[string]auth.Permission{
	"GET /admin":         auth.PermSignedIn,
	"POST /admin/logout": auth.PermSignedIn,
	// The column chooser of any grid: the handler asks for the grid's own read permission.
	"POST /admin/grids/:grid/columns": auth.PermSignedIn,

	"GET /admin/audiences":             auth.PermAudiencesRead,
	"GET /admin/audiences.csv":         auth.PermAudiencesRead,
	"GET /admin/audiences/:id":         auth.PermAudiencesRead,
	"GET /admin/audiences/sync-status": auth.PermAudiencesRead,
	"POST /admin/audiences/sync":       auth.PermAudiencesSync,
	"GET /admin/audiences/chooser":     auth.PermAudienceChoose,

	"GET /admin/price-rules":                           auth.PermRulesRead,
	"GET /admin/price-rules.csv":                       auth.PermRulesRead,
	"GET /admin/price-rules/new":                       auth.PermRulesWrite,
	"POST /admin/price-rules":                          auth.PermRulesWrite,
	"POST /admin/price-rules/mass":                     auth.PermRulesWrite,
	"GET /admin/price-rules/transfer":                  auth.PermRulesWrite,
	"GET /admin/price-rules/export.json":               auth.PermRulesRead,
	"POST /admin/price-rules/import":                   auth.PermRulesWrite,
	"GET /admin/price-rules/:id/edit":                  auth.PermRulesRead,
	"POST /admin/price-rules/:id":                      auth.PermRulesWrite,
	"POST /admin/price-rules/:id/duplicate":            auth.PermRulesWrite,
	"GET /admin/price-rules/:id/delete":                auth.PermRulesWrite,
	"POST /admin/price-rules/:id/delete":               auth.PermRulesWrite,
	"POST /admin/price-rules/:id/coupons/generate":     auth.PermRulesWrite,
	"POST /admin/price-rules/:id/coupons/delete":       auth.PermRulesWrite,
	"GET /admin/price-rules/:id/coupons.csv":           auth.PermRulesWrite,
	"GET /admin/dynamic-blocks":                        auth.PermBlocksRead,
	"GET /admin/dynamic-blocks.csv":                    auth.PermBlocksRead,
	"GET /admin/dynamic-blocks/new":                    auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks":                       auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks/mass":                  auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks/preview":               auth.PermBlocksWrite,
	"GET /admin/dynamic-blocks/:id/edit":               auth.PermBlocksRead,
	"POST /admin/dynamic-blocks/:id":                   auth.PermBlocksWrite,
	"GET /admin/dynamic-blocks/:id/delete":             auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks/:id/delete":            auth.PermBlocksWrite,
	"GET /admin/dynamic-blocks/placements":             auth.PermBlocksRead,
	"GET /admin/dynamic-blocks/placements/new":         auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks/placements":            auth.PermBlocksWrite,
	"GET /admin/dynamic-blocks/placements/:id/edit":    auth.PermBlocksRead,
	"POST /admin/dynamic-blocks/placements/:id":        auth.PermBlocksWrite,
	"GET /admin/dynamic-blocks/placements/:id/delete":  auth.PermBlocksWrite,
	"POST /admin/dynamic-blocks/placements/:id/delete": auth.PermBlocksWrite,

	// The preview computes and stores nothing: running it is reading.
	"GET /admin/preview":  auth.PermPreview,
	"POST /admin/preview": auth.PermPreview,

	"GET /admin/catalog":         auth.PermCatalogRead,
	"GET /admin/catalog.csv":     auth.PermCatalogRead,
	"POST /admin/catalog/import": auth.PermCatalogWrite,

	"GET /admin/sales/orders":                    auth.PermOrdersRead,
	"GET /admin/sales/orders.csv":                auth.PermOrdersRead,
	"GET /admin/sales/orders/:id":                auth.PermOrdersRead,
	"GET /admin/reports/audience-promotions":     auth.PermOrdersRead,
	"GET /admin/reports/audience-promotions.csv": auth.PermOrdersRead,
	"GET /admin/customers":                       auth.PermCustomersRead,
	"GET /admin/customers.csv":                   auth.PermCustomersRead,
	"GET /admin/customers/new":                   auth.PermCustomersWrite,
	"POST /admin/customers":                      auth.PermCustomersWrite,
	"GET /admin/customers/:id/edit":              auth.PermCustomersRead,
	"POST /admin/customers/:id":                  auth.PermCustomersWrite,
	"GET /admin/customers/:id/delete":            auth.PermCustomersWrite,
	"POST /admin/customers/:id/delete":           auth.PermCustomersWrite,
	"GET /admin/stores":                          auth.PermStoresRead,
	"GET /admin/stores/websites/new":             auth.PermStoresWrite,
	"POST /admin/stores/websites":                auth.PermStoresWrite,
	"GET /admin/stores/websites/:id/edit":        auth.PermStoresRead,
	"POST /admin/stores/websites/:id":            auth.PermStoresWrite,
	"GET /admin/stores/websites/:id/delete":      auth.PermStoresWrite,
	"POST /admin/stores/websites/:id/delete":     auth.PermStoresWrite,
	"GET /admin/stores/views/new":                auth.PermStoresWrite,
	"POST /admin/stores/views":                   auth.PermStoresWrite,
	"GET /admin/stores/views/:id/edit":           auth.PermStoresRead,
	"POST /admin/stores/views/:id":               auth.PermStoresWrite,
	"GET /admin/stores/views/:id/delete":         auth.PermStoresWrite,
	"POST /admin/stores/views/:id/delete":        auth.PermStoresWrite,

	"GET /admin/config/services":                   auth.PermConfig,
	"POST /admin/config/services":                  auth.PermConfig,
	"POST /admin/config/services/import-workspace": auth.PermConfig,
	"POST /admin/config/services/test-connection":  auth.PermConfig,

	"GET /admin/users":          auth.PermUsers,
	"GET /admin/users/new":      auth.PermUsers,
	"POST /admin/users":         auth.PermUsers,
	"GET /admin/users/:id/edit": auth.PermUsers,
	"POST /admin/users/:id":     auth.PermUsers,
	"GET /admin/action-log":     auth.PermActionLog,
	"GET /admin/action-log/:id": auth.PermActionLog,
}

// RoutePermission is the permission a signed-in admin route needs, and whether the table has
// it; tests walk the registered routes with it.
func RoutePermission(method, path string) (auth.Permission, bool) {
	p, ok := routePermissions[method+" "+path]
	return p, ok
}

// errForbidden is the refusal of an action the signed-in user's role does not allow.
var errForbidden = echo.NewHTTPError(http.StatusForbidden, "role")

// authorize refuses, with the 403 page, a route the signed-in user's role may not use. It
// runs after requireAdmin, before any form is parsed.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentAdmin(c)
		method := c.Request().Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		p, ok := routePermissions[method+" "+c.Path()]
		if u.Role != auth.RoleAdministrator && (!ok || !u.Can(p)) {
			return errForbidden
		}
		return next(c)
	}
}

// navPermissions is the permission each navigation item's page needs.
var navPermissions = map[string]auth.Permission{
	layout.NavDashboard: auth.PermSignedIn, layout.NavAudiences: auth.PermAudiencesRead,
	layout.NavPriceRules: auth.PermRulesRead, layout.NavBlocks: auth.PermBlocksRead, layout.NavPlacements: auth.PermBlocksRead, layout.NavPreview: auth.PermPreview,
	layout.NavCatalog: auth.PermCatalogRead, layout.NavCustomers: auth.PermCustomersRead, layout.NavOrders: auth.PermOrdersRead, layout.NavReports: auth.PermOrdersRead,
	layout.NavConfig: auth.PermConfig, layout.NavStores: auth.PermStoresRead, layout.NavUsers: auth.PermUsers,
	layout.NavActionLog: auth.PermActionLog,
}

// navFor is the set of navigation items u may open.
func navFor(u auth.User) map[string]bool {
	out := make(map[string]bool, len(navPermissions))
	for k, p := range navPermissions {
		if u.Can(p) {
			out[k] = true
		}
	}
	return out
}
