// Package stores holds the Stores › All Stores pages: the website and store view tree and
// their forms.
package stores

import "audienceactivation/templates/layout"

// Row is one website with its store views in the tree.
type Row struct {
	ID        int64
	Code      string
	Name      string
	IsDefault bool
	EditURL   string
	Views     []ViewRow
}

// ViewRow is one store view in the tree.
type ViewRow struct {
	ID        int64
	Code      string
	Name      string
	Currency  string
	Timezone  string
	Status    string
	IsDefault bool
	EditURL   string
}

// ListView is the All Stores page.
type ListView struct {
	layout.Base
	Rows []Row
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// WebsiteForm is the website create/edit page.
type WebsiteForm struct {
	layout.Base
	ID        int64
	Code      string
	Name      string
	Errors    map[string]string
	Action    string
	DeleteURL string
}

// StoreViewForm is the store view create/edit page.
type StoreViewForm struct {
	layout.Base
	ID         int64
	WebsiteID  string
	Code       string
	Name       string
	Currency   string
	Timezone   string
	IsActive   bool
	IsDefault  bool
	DeleteURL  string
	Errors     map[string]string
	Action     string
	Websites   []Option
	Currencies []Option
	Timezones  []Option
}

// IsNew reports whether the form creates a record.
func (f WebsiteForm) IsNew() bool { return f.ID == 0 }

// IsNew reports whether the form creates a record.
func (f StoreViewForm) IsNew() bool { return f.ID == 0 }
