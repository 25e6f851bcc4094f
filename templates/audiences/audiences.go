// Package audiences holds the Customers › Real-Time CDP Audiences pages: the dashboard,
// the sync status, the audience page, and the audience chooser that editors embed.
package audiences

import (
	"strconv"

	"github.com/a-h/templ"

	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

// Option is a filter choice.
type Option = components.Option

// Column is a sortable grid header.
type Column = components.Column

// Link is a named link.
type Link struct{ Label, Href string }

// Row is one audience in the grid.
type Row struct {
	ID          int64
	Href        string
	Name        string
	CDPID       string
	Origin      string
	Websites    string
	Blocks      []Link
	Rules       []Link
	Modified    string
	Status      string
	StatusClass string
	Warning     string
}

// SyncView is the sync status box.
type SyncView struct {
	Running   bool
	Started   string
	Updated   string // "Updated today, 10:42 AM UTC", or empty before the first sync
	Result    string // the outcome of the run just finished
	Error     string // the last run's error, when it failed
	ErrorWhen string
	// Warnings are what the last sync, which succeeded, tells the merchant (a website
	// whose datastream matched no Adobe Commerce destination, a disabled dataflow).
	Warnings []string
	PollURL  string
	CSRF     string
}

// ListView is the dashboard.
type ListView struct {
	layout.Base
	Configured bool
	Sync       SyncView
	Search     string
	Website    string
	Origin     string
	Status     string
	From, To   string
	Websites   []Option
	Origins    []Option
	Statuses   []Option
	Errors     map[string]string
	Columns    []Column
	Rows       []Row
	Pager      components.PagerView
	Tools      components.GridTools // page size, column chooser, export
	GridURL    string
	Total      int64
}

// DetailView is one audience.
type DetailView struct {
	layout.Base
	Name, CDPID, Description, Origin, Status, StatusClass, Modified, Synced, Lifecycle string
	Websites                                                                           string
	Rules, Blocks                                                                      []Link
	Warning                                                                            string
}

// ChooserRow is one audience in the chooser.
type ChooserRow struct {
	ID          int64
	CDPID       string
	Name        string
	Description string
	Source      string
	Websites    string
	Status      string
	Checked     bool
}

// ChooserView is the audience chooser grid.
type ChooserView struct {
	Field  string // the form field the chosen ids are submitted as
	Search string
	Rows   []ChooserRow
	// Elsewhere are the chosen audiences not on this page, shown as ticked boxes so that
	// they can be unticked from here.
	Elsewhere []ChooserRow
	Pager     components.PagerView
	Endpoint  string
	Empty     string
	Chosen    []string // names of every chosen audience, on any page
	// FormAction, when set, is the enclosing editor's form action: ticking a box posts the
	// form there to show it again (the chosen names and the condition sentence follow at
	// once); otherwise ticking refreshes the chooser alone.
	FormAction string
}

// TickAttrs are the htmx attributes that make a tick confirm at once: in an editor with a
// FormAction, the whole form is posted and shown again at this chooser page (the chosen
// names and the condition sentence follow); elsewhere the chooser alone is refreshed.
func (v ChooserView) TickAttrs() templ.Attributes {
	page := max(v.Pager.Page, 1)
	if v.FormAction != "" {
		return templ.Attributes{"hx-post": v.FormAction, "hx-trigger": "change",
			"hx-vals":   `{"chooser_goto": "` + v.Field + ":" + strconv.Itoa(page) + `"}`,
			"hx-select": "#rule-form", "hx-target": "#rule-form", "hx-swap": "outerHTML show:none"}
	}
	return templ.Attributes{"hx-get": v.ChooserURL(page), "hx-trigger": "change", "hx-target": "#" + v.DOMID(),
		"hx-swap": "outerHTML", "hx-include": "#" + v.DOMID()}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// DOMID is the chooser's element id: the field name with anything but letters and digits
// turned into dashes, so that it is a valid CSS selector.
func (v ChooserView) DOMID() string {
	b := []byte("chooser-" + v.Field)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

// ChooserURL is the chooser endpoint for a page and search.
func (v ChooserView) ChooserURL(page int) string {
	return v.Endpoint + "?field=" + v.Field + "&page=" + strconv.Itoa(page)
}
