// Package layout holds the admin page shell: the Base view every page embeds, the left
// navigation, and the Page component that wraps a page's content.
package layout

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // "success", "error" or "info"
	Message string
}

// Base is embedded by every page view: what the shell needs to render around the content.
type Base struct {
	Title     string
	Nav       string // the active navigation item, one of the Nav* constants
	AdminName string // empty on signed-out pages
	// AdminRole is the signed-in user's role as people name it.
	AdminRole string
	// NavAllowed holds the navigation items the signed-in user's role may open; nil shows all.
	NavAllowed map[string]bool
	CSRF       string
	Flashes    []Flash
	// Notice is a standing warning for every page (two-factor sign-in switched off).
	Notice string
}

// Navigation item keys.
const (
	NavDashboard  = "dashboard"
	NavAudiences  = "audiences"
	NavPriceRules = "pricerules"
	NavBlocks     = "blocks"
	NavPlacements = "placements"
	NavPreview    = "preview"
	NavCatalog    = "catalog"
	NavCustomers  = "customers"
	NavOrders     = "orders"
	NavReports    = "reports"
	NavConfig     = "config"
	NavStores     = "stores"
	NavUsers      = "users"
	NavActionLog  = "actionlog"
	NavNone       = ""
)

// NavItem is one link of the left navigation.
type NavItem struct {
	Key, Label, Href string
}

// NavGroup is a top-level navigation entry with its links.
type NavGroup struct {
	Label string
	Icon  string
	Items []NavItem
}

// Navigation lists only the areas that exist, in the familiar commerce-admin order.
var Navigation = []NavGroup{
	{Label: "Dashboard", Icon: "▦", Items: []NavItem{{NavDashboard, "Dashboard", "/admin"}}},
	{Label: "Sales", Icon: "$", Items: []NavItem{{NavOrders, "Orders", "/admin/sales/orders"}}},
	{Label: "Customers", Icon: "☺", Items: []NavItem{{NavCustomers, "All Customers", "/admin/customers"}, {NavAudiences, "Real-Time CDP Audiences", "/admin/audiences"}}},
	{Label: "Marketing", Icon: "✦", Items: []NavItem{{NavPriceRules, "Cart Price Rules", "/admin/price-rules"}, {NavPreview, "Personalization Preview", "/admin/preview"}}},
	{Label: "Reports", Icon: "▥", Items: []NavItem{{NavReports, "Audience Promotions", "/admin/reports/audience-promotions"}}},
	{Label: "Content", Icon: "▤", Items: []NavItem{{NavBlocks, "Dynamic Blocks", "/admin/dynamic-blocks"}, {NavPlacements, "Block Placements", "/admin/dynamic-blocks/placements"}}},
	{Label: "Catalog", Icon: "▣", Items: []NavItem{{NavCatalog, "Products", "/admin/catalog"}}},
	{Label: "Stores", Icon: "⌂", Items: []NavItem{{NavConfig, "Configuration", "/admin/config/services"}, {NavStores, "All Stores", "/admin/stores"}}},
	{Label: "System", Icon: "⚙", Items: []NavItem{{NavUsers, "Admin Users", "/admin/users"}, {NavActionLog, "Action Log", "/admin/action-log"}}},
}

// VisibleNav is the navigation the signed-in user sees: groups and items their role may
// open, so that a link is never offered only to end in a refusal.
func (b Base) VisibleNav() []NavGroup {
	if b.NavAllowed == nil {
		return Navigation
	}
	out := make([]NavGroup, 0, len(Navigation))
	for _, g := range Navigation {
		var items []NavItem
		for _, it := range g.Items {
			if b.NavAllowed[it.Key] {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			g.Items = items
			out = append(out, g)
		}
	}
	return out
}

// Active reports whether the group holds the active item.
func (g NavGroup) Active(nav string) bool {
	for _, it := range g.Items {
		if it.Key == nav {
			return true
		}
	}
	return false
}

// CSRFHeaders is the hx-headers value that sends the CSRF token with htmx requests.
func (b Base) CSRFHeaders() string {
	return `{"X-CSRF-Token": "` + b.CSRF + `"}`
}

// PageTitle is the document title.
func (b Base) PageTitle() string {
	if b.Title == "" {
		return "Audience Activation"
	}
	return b.Title + " · Audience Activation"
}
