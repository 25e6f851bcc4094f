// Package configuration holds the Stores › Configuration › Services page.
package configuration

import "audienceactivation/templates/layout"

// ScopeOption is one entry of the scope switcher.
type ScopeOption struct {
	Value, Label string
	Current      bool
}

// Option is a select choice.
type Option struct{ Value, Label string }

// FieldView is one field as the form shows it.
type FieldView struct {
	ID             string
	Name           string
	Label          string
	Comment        string
	ScopeLabel     string // [GLOBAL] or [WEBSITE]
	Kind           string // text, textarea, select, secret, secret-multiline, readonly
	Value          string
	Options        []Option
	Editable       bool
	ShowUseDefault bool
	UseDefault     bool
	InheritedNote  string
	SecretNote     string
	SecretSet      bool
	Error          string
}

// SectionView is a titled group of fields.
type SectionView struct {
	ID, Title, Comment string
	Fields             []FieldView
}

// ServicesView is the Services configuration page.
type ServicesView struct {
	layout.Base
	Scopes      []ScopeOption
	ScopeValue  string
	ScopeName   string
	IsDefault   bool
	Action      string
	Sections    []SectionView
	Errors      []ErrorLink
	ImportError string
	Report      *ReportView // a Test connection just run, shown in its section
}

// ReportView is a Test connection report: each step of the sync's path, and what each
// website's datastream matched.
type ReportView struct {
	OK       bool
	Summary  string
	Steps    []StepView
	Websites []WebsiteRow
}

// StepView is one step: Status is ok, failed or skipped (a CSS class), Label its word.
type StepView struct{ Name, Status, Label, Detail string }

// WebsiteRow is what one website's datastream matched.
type WebsiteRow struct{ Website, Datastream, Connections, Audiences, Problem string }

// ErrorLink names a field with a problem and links to it.
type ErrorLink struct{ Label, Anchor string }
