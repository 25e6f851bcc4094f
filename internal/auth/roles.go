package auth

import "slices"

// Roles. Each admin user has exactly one; what a role may do is the Permissions table, and
// the web layer maps every route to one Permission.
const (
	// RoleAdministrator may do everything, admin users and services configuration included.
	RoleAdministrator = "administrator"
	// RoleMarketer reads and syncs audiences, edits cart price rules, dynamic blocks and
	// placements, runs the preview and reads orders.
	RoleMarketer = "marketer"
	// RoleContentEditor edits dynamic blocks and placements only.
	RoleContentEditor = "content_editor"
	// RoleViewer reads the merchandising areas and changes nothing.
	RoleViewer = "viewer"
)

// RoleInfo names a role for people.
type RoleInfo struct {
	Key, Label, Summary string
}

// Roles lists the roles in the order forms offer them.
var Roles = []RoleInfo{
	{RoleAdministrator, "Administrator", "Everything, including admin users and services configuration."},
	{RoleMarketer, "Marketer", "Audiences (read and sync), cart price rules, dynamic blocks and placements, preview, orders (read)."},
	{RoleContentEditor, "Content editor", "Dynamic blocks and placements only."},
	{RoleViewer, "Viewer", "Read only: audiences, rules, blocks, preview, orders, customers, catalog and stores."},
}

// RoleLabel is the name people see for role, or the key itself when it is unknown.
func RoleLabel(role string) string {
	for _, r := range Roles {
		if r.Key == role {
			return r.Label
		}
	}
	return role
}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r.Key == role {
			return true
		}
	}
	return false
}

// Permission is one kind of action in the admin.
type Permission string

// Permissions, by area. PermSignedIn is what every signed-in user may do (dashboard, sign
// out, their own two-factor settings).
const (
	PermSignedIn       Permission = "signed-in"
	PermAudiencesRead  Permission = "audiences.read"
	PermAudiencesSync  Permission = "audiences.sync"
	PermAudienceChoose Permission = "audiences.choose" // the chooser inside rule and block editors
	PermRulesRead      Permission = "rules.read"
	PermRulesWrite     Permission = "rules.write"
	PermBlocksRead     Permission = "blocks.read"
	PermBlocksWrite    Permission = "blocks.write"
	PermPreview        Permission = "preview"
	PermOrdersRead     Permission = "orders.read"
	PermCustomersRead  Permission = "customers.read"
	PermCustomersWrite Permission = "customers.write"
	PermCatalogRead    Permission = "catalog.read"
	PermCatalogWrite   Permission = "catalog.write"
	PermStoresRead     Permission = "stores.read"
	PermStoresWrite    Permission = "stores.write"
	PermConfig         Permission = "config"
	PermUsers          Permission = "users"
	PermActionLog      Permission = "action-log"
)

// rolePermissions is what each role may do besides PermSignedIn; administrators may do
// everything and are not listed.
var rolePermissions = map[string][]Permission{
	RoleMarketer: {PermAudiencesRead, PermAudiencesSync, PermAudienceChoose, PermRulesRead, PermRulesWrite,
		PermBlocksRead, PermBlocksWrite, PermPreview, PermOrdersRead},
	RoleContentEditor: {PermBlocksRead, PermBlocksWrite, PermAudienceChoose},
	RoleViewer: {PermAudiencesRead, PermAudienceChoose, PermRulesRead, PermBlocksRead, PermPreview, PermOrdersRead,
		PermCustomersRead, PermCatalogRead, PermStoresRead},
}

// Can reports whether role may do p. An unknown role may do nothing, not even sign in.
func Can(role string, p Permission) bool {
	switch {
	case role == RoleAdministrator:
		return true
	case !ValidRole(role):
		return false
	case p == PermSignedIn:
		return true
	}
	return slices.Contains(rolePermissions[role], p)
}

// Can reports whether u's role may do p.
func (u User) Can(p Permission) bool { return Can(u.Role, p) }
