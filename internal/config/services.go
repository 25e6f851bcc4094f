package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// FieldKind says how a field is edited and stored.
type FieldKind int

// The field kinds.
const (
	KindText     FieldKind = iota
	KindSelect             // one of Options
	KindYesNo              // "1" or "0"
	KindSecret             // write-only, encrypted at rest
	KindReadOnly           // shown, never saved: Source names the path it shows
)

// FieldScope is the narrowest scope a field can be set at.
type FieldScope int

// The field scopes, shown beside each field as Magento does: [GLOBAL] and [WEBSITE].
const (
	Global FieldScope = iota
	PerWebsite
)

// Option is one choice of a select field.
type Option struct{ Value, Label string }

// Field describes one configuration field of a section.
type Field struct {
	Path      string
	Label     string
	Comment   string
	Kind      FieldKind
	Scope     FieldScope
	Options   []Option
	Default   string
	Multiline bool   // a textarea (private keys)
	Source    string // for KindReadOnly: the path whose value is shown
	Validate  func(string) string
}

// Section is a group of fields on the Services page.
type Section struct {
	ID      string
	Title   string
	Comment string
	Fields  []Field
}

// Configuration paths other packages read.
const (
	PathCSEnvironment       = "services_connector/environment"
	PathCSProductionAPIKey  = "services_connector/production_api_key"
	PathCSProductionPrivate = "services_connector/production_private_key"
	PathCSSandboxAPIKey     = "services_connector/sandbox_api_key"
	PathCSSandboxPrivate    = "services_connector/sandbox_private_key"
	PathCSDataSpace         = "services_connector/data_space"
	PathAEPOrgID            = "experience_platform/organization_id"
	PathDatastreamID        = "experience_platform/datastream_id"
	PathWebSDKDeployed      = "experience_platform/web_sdk_deployed"
	PathWebSDKName          = "experience_platform/web_sdk_name"
	PathCDPAuthType         = "audiences/auth_type"
	PathCDPClientID         = "audiences/client_id"
	PathCDPClientSecret     = "audiences/client_secret"
	PathCDPTechAccountID    = "audiences/technical_account_id"
	PathCDPTechAccountEmail = "audiences/technical_account_email"
	PathCDPOrgID            = "audiences/organization_id"
	PathCDPSandbox          = "audiences/sandbox_name"
	PathCDPEnvironment      = "audiences/environment"
	PathCDPIMSURL           = "audiences/ims_url"
	PathCDPPlatformURL      = "audiences/platform_url"
	PathCDPScopes           = "audiences/scopes"
	PathCDPConnectionSpecID = "audiences/connection_spec_id"
	PathCDPSyncInterval     = "audiences/sync_interval"
	PathMembershipMode      = "audiences/membership_mode"
	PathMembershipKey       = "audiences/membership_key"
	// PathMembershipPreviousKey is still accepted while a signing key is changed.
	PathMembershipPreviousKey = "audiences/membership_previous_key"
	// PathMembershipMaxLifetime is the longest a signed membership value may live, in hours.
	PathMembershipMaxLifetime = "audiences/membership_max_lifetime"
	PathFlatRateActive        = "carriers/flatrate_active"
	PathFlatRateType          = "carriers/flatrate_type"
	PathFlatRatePrice         = "carriers/flatrate_price"
)

// Default API base URLs of Adobe IMS and Experience Platform (other regions and tests
// configure their own).
const (
	DefaultIMSURL      = "https://ims-na1.adobelogin.com"
	DefaultPlatformURL = "https://platform.adobe.io"
	// DefaultCDPScopes are the scopes of an Experience Platform API OAuth server-to-server
	// credential, used when the workspace file named none.
	DefaultCDPScopes = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
)

var (
	reAPIKey    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	reDataSpace = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	reUUID      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reJSIdent   = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]{0,63}$`)
	reClientID  = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)
	reSecret    = regexp.MustCompile(`^[\x21-\x7e]{8,255}$`)
	reTechAcct  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}@techacct\.adobe\.com$`)
	reOrgID     = regexp.MustCompile(`^[A-Za-z0-9]{1,64}@AdobeOrg$`)
	reSandbox   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	reScopes    = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+( *, *[A-Za-z0-9_.:/-]+)*$`)
	reSpecID    = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)
)

func matches(re *regexp.Regexp, msg string) func(string) string {
	return func(v string) string {
		if re.MatchString(v) {
			return ""
		}
		return msg
	}
}

func privateKey(v string) string {
	if len(v) > 16*1024 {
		return "The private key is too long: paste the key only (at most 16 KiB)."
	}
	if !strings.HasPrefix(v, "-----BEGIN") || !strings.Contains(v, "PRIVATE KEY-----") {
		return "Paste the whole private key, from -----BEGIN … PRIVATE KEY----- to the END line."
	}
	return ""
}

func email(v string) string {
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || len(v) > 255 {
		return "Enter an email address, such as 1a2b3c@techacct.adobe.com."
	}
	return ""
}

// baseURL accepts an https base URL, or http on this machine (loopback) for a test
// service: credentials and tokens never cross a network in the clear.
func baseURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "Enter a base URL such as https://platform.adobe.io."
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "Use https: credentials and tokens are sent to this address (http only for a test service on this machine, such as http://127.0.0.1:9000)."
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func signingKey(v string) string {
	if len(v) < 32 || len(v) > 255 {
		return "Use a key of 32 to 255 characters."
	}
	return ""
}

func syncInterval(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1440 {
		return "Enter a whole number of minutes from 0 (off) to 1440."
	}
	return ""
}

// ServicesSections are the sections of Stores › Configuration › Services, in page order.
var ServicesSections = []Section{
	{
		ID: "services_connector", Title: "Commerce Services Connector",
		Comment: "API keys from the Commerce Services portal connect this store to SaaS data services.",
		Fields: []Field{
			{Path: PathCSEnvironment, Label: "Environment", Kind: KindSelect, Default: "production",
				Options: []Option{{"production", "Production"}, {"sandbox", "Sandbox"}}},
			{Path: PathCSProductionAPIKey, Label: "Production API key", Comment: "The public key.",
				Validate: matches(reAPIKey, "Use letters, digits, dots, dashes or underscores only (at most 255).")},
			{Path: PathCSProductionPrivate, Label: "Production private key", Kind: KindSecret, Multiline: true, Validate: privateKey},
			{Path: PathCSSandboxAPIKey, Label: "Sandbox API key",
				Validate: matches(reAPIKey, "Use letters, digits, dots, dashes or underscores only (at most 255).")},
			{Path: PathCSSandboxPrivate, Label: "Sandbox private key", Kind: KindSecret, Multiline: true, Validate: privateKey},
			{Path: PathCSDataSpace, Label: "Data space", Comment: "The SaaS data space ID this store writes to.",
				Validate: matches(reDataSpace, "Use the data space ID: letters, digits, dashes or underscores (at most 64).")},
		},
	},
	{
		ID: "experience_platform", Title: "Experience Platform Connector",
		Comment: "Connects the storefront to Adobe Experience Platform through the Web SDK.",
		Fields: []Field{
			{Path: PathAEPOrgID, Label: "Organization ID", Kind: KindReadOnly, Source: PathCDPOrgID,
				Comment: "From the service account credentials below."},
			{Path: PathDatastreamID, Label: "Datastream ID", Scope: PerWebsite,
				Comment:  "The datastream the website's Web SDK sends to. Audiences activated to this datastream apply to this website.",
				Validate: matches(reUUID, "Enter the datastream ID as shown in Data Collection, a UUID such as 3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90.")},
			{Path: PathWebSDKDeployed, Label: "Web SDK already deployed", Kind: KindYesNo, Scope: PerWebsite, Default: "0",
				Comment: "Yes when the site already loads the Experience Platform Web SDK itself."},
			{Path: PathWebSDKName, Label: "Web SDK name", Scope: PerWebsite, Default: "alloy",
				Comment:  "The global name of the Web SDK instance on the page.",
				Validate: matches(reJSIdent, "Enter a JavaScript name such as alloy: letters, digits, _ or $, not starting with a digit.")},
		},
	},
	{
		ID: "audiences", Title: "Real-Time CDP Audiences — service account credentials",
		Comment: "OAuth server-to-server credentials from an Adobe Developer Console project with the Experience Platform API. Import the workspace JSON to fill them.",
		Fields: []Field{
			{Path: PathCDPAuthType, Label: "Authentication type", Kind: KindSelect, Default: "oauth_server_to_server",
				Options: []Option{{"oauth_server_to_server", "OAuth server-to-server"}}},
			{Path: PathCDPClientID, Label: "Client ID", Comment: "Also sent as the x-api-key header.",
				Validate: matches(reClientID, "Enter the client ID from the Developer Console: 8 to 64 letters or digits.")},
			{Path: PathCDPClientSecret, Label: "Client secret", Kind: KindSecret,
				Validate: matches(reSecret, "Enter the client secret from the Developer Console: 8 to 255 characters, no spaces.")},
			{Path: PathCDPTechAccountID, Label: "Technical account ID",
				Validate: matches(reTechAcct, "Enter an ID ending in @techacct.adobe.com.")},
			{Path: PathCDPTechAccountEmail, Label: "Technical account email", Validate: email},
			{Path: PathCDPOrgID, Label: "Organization ID", Comment: "Ends in @AdobeOrg.",
				Validate: matches(reOrgID, "Enter the IMS organization ID, letters and digits ending in @AdobeOrg.")},
			{Path: PathCDPSandbox, Label: "Sandbox name", Default: "prod",
				Validate: matches(reSandbox, "Enter the sandbox name: lowercase letters, digits and dashes, such as prod.")},
			{Path: PathCDPEnvironment, Label: "Environment", Kind: KindSelect, Default: "production",
				Options: []Option{{"production", "Production"}, {"stage", "Stage"}}},
			{Path: PathCDPIMSURL, Label: "IMS URL", Default: DefaultIMSURL,
				Comment: "Where access tokens come from. Change it only for another region or a test service.", Validate: baseURL},
			{Path: PathCDPPlatformURL, Label: "Platform API URL", Default: DefaultPlatformURL,
				Comment: "The Experience Platform API.", Validate: baseURL},
			{Path: PathCDPScopes, Label: "Token scopes", Default: DefaultCDPScopes,
				Comment:  "Comma-separated, as the workspace file lists them; importing the file fills them.",
				Validate: matches(reScopes, "Enter the scopes separated by commas, such as openid,AdobeID,read_organizations.")},
			{Path: PathCDPConnectionSpecID, Label: "Adobe Commerce destination connection spec ID",
				Comment:  "Leave empty: the sync finds the destination named “Adobe Commerce” in the sandbox. Set it when Test connection finds none or several.",
				Validate: matches(reSpecID, "Enter the connection spec ID as Test connection or the Flow Service lists it: letters, digits and dashes.")},
			{Path: PathMembershipMode, Label: "Audience membership", Kind: KindSelect, Default: "plain",
				Comment: "Signed: the aep-segments-membership value must be signed by your backend, so shoppers cannot grant themselves an audience. Unsigned or expired values count as no membership.",
				Options: []Option{{"plain", "As sent by the browser (cookie or header)"}, {"signed", "Signed by your backend (trusted)"}}},
			{Path: PathMembershipKey, Label: "Membership signing key", Kind: KindSecret,
				Comment:  "The HMAC key your backend signs membership values with; at least 32 characters. Values name it by its key id: the first 8 hexadecimal digits of the key's SHA-256.",
				Validate: signingKey},
			{Path: PathMembershipPreviousKey, Label: "Previous membership signing key", Kind: KindSecret,
				Comment:  "While you change the key: the old key, still accepted so that values signed before the change keep working. Clear it once every backend signs with the new key.",
				Validate: signingKey},
			{Path: PathMembershipMaxLifetime, Label: "Signed membership maximum lifetime (hours)", Default: "24",
				Comment: "A signed value that expires further ahead than this is refused, so a leaked value stops working within this time.",
				Validate: func(v string) string {
					if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 168 {
						return "Enter a whole number of hours from 1 to 168."
					}
					return ""
				}},
			{Path: PathCDPSyncInterval, Label: "Sync audiences every (minutes)", Default: "15",
				Comment: "0 turns the scheduled sync off; \"Sync now\" and the command line still work.", Validate: syncInterval},
		},
	},
	{
		ID: "carriers", Title: "Shipping — flat rate",
		Comment: "The storefront's carrier. Cart price rules can discount it or make it free.",
		Fields: []Field{
			{Path: PathFlatRateActive, Label: "Enabled", Kind: KindYesNo, Scope: PerWebsite, Default: "1"},
			{Path: PathFlatRateType, Label: "Type", Kind: KindSelect, Scope: PerWebsite, Default: "per_item",
				Options: []Option{{"per_item", "Per item"}, {"per_order", "Per order"}}},
			{Path: PathFlatRatePrice, Label: "Price", Scope: PerWebsite, Default: "5.00",
				Comment: "In the website's currency, such as 5.00.", Validate: matches(reMoney, "Enter an amount such as 5 or 4.99.")},
		},
	},
}

var reMoney = regexp.MustCompile(`^\d{1,7}(\.\d{1,2})?$`)

// FieldByPath returns the field definition for path.
func FieldByPath(path string) (Field, bool) {
	for _, s := range ServicesSections {
		for _, f := range s.Fields {
			if f.Path == path {
				return f, true
			}
		}
	}
	return Field{}, false
}

// EditableAt reports whether f can be set at ref.
func (f Field) EditableAt(ref ScopeRef) bool {
	if f.Kind == KindReadOnly {
		return false
	}
	return ref.Scope == ScopeDefault || f.Scope == PerWebsite
}

// StoreConfig reads and saves the scoped store configuration: the fields of the Services
// page (ServicesSections) at default and website scope.
type StoreConfig struct {
	store *Store
	log   *audit.Log
	// OnChange is called after a save commits (to rebuild what is read from it).
	OnChange func()
}

// NewStoreConfig returns the store configuration service.
func NewStoreConfig(store *Store, log *audit.Log) *StoreConfig {
	return &StoreConfig{store: store, log: log}
}

// SecretState is what the page may know of a stored secret: never its value.
type SecretState struct {
	Set       bool
	UpdatedAt time.Time
	UpdatedBy string
}

// FieldState is one field's state at a scope, as the form shows it.
type FieldState struct {
	Value      string // the value set at this scope ("" for secrets)
	SetHere    bool   // a value is stored at exactly this scope
	Inherited  string // the value that applies when nothing is set here ("" for secrets)
	Secret     SecretState
	UpdatedAt  time.Time
	UpdatedBy  string
	Effective  string // what applies at this scope (never a secret's value)
	ReadOnlyOK bool   // a read-only field has a source value
}

// State returns every Services field's state at ref.
func (s *StoreConfig) State(ctx context.Context, ref ScopeRef) (map[string]FieldState, error) {
	here, err := s.store.Values(ctx, ref)
	if err != nil {
		return nil, err
	}
	defaults := here
	if ref.Scope != ScopeDefault {
		if defaults, err = s.store.Values(ctx, Default); err != nil {
			return nil, err
		}
	}
	out := map[string]FieldState{}
	for _, sec := range ServicesSections {
		for _, f := range sec.Fields {
			var st FieldState
			if f.Kind == KindReadOnly {
				if v, ok := defaults[f.Source]; ok {
					st.Effective, st.ReadOnlyOK = v.Value, true
				}
				out[f.Path] = st
				continue
			}
			inherited := f.Default
			if ref.Scope != ScopeDefault {
				if v, ok := defaults[f.Path]; ok {
					inherited = v.Value
				}
			}
			v, ok := here[f.Path]
			if !ok && ref.Scope != ScopeDefault && f.Scope == Global {
				v, ok = defaults[f.Path] // global fields show the global value everywhere
			}
			st.SetHere = ok
			if ok {
				st.UpdatedAt, st.UpdatedBy = v.UpdatedAt, v.UpdatedBy
			}
			if f.Kind == KindSecret {
				st.Secret = SecretState{Set: ok, UpdatedAt: v.UpdatedAt, UpdatedBy: v.UpdatedBy}
				out[f.Path] = st
				continue
			}
			st.Inherited = inherited
			if ok {
				st.Value, st.Effective = v.Value, v.Value
			} else {
				st.Effective = inherited
			}
			out[f.Path] = st
		}
	}
	return out, nil
}

// Submission is a save of the Services form at one scope.
type Submission struct {
	Values      map[string]string // path → typed value; secrets: empty keeps what is stored
	UseDefault  map[string]bool   // website scope: path → inherit from default
	ClearSecret map[string]bool   // path → remove the stored secret
	Summary     string            // the action log line; empty: "Services configuration saved"
}

// Change is one field changed by a save, with secrets masked.
type Change struct {
	Path   string `json:"path"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Mask is what logs and pages show in place of a secret.
const Mask = "••••••"

// cleanText rejects what no configuration value should contain and trims the rest.
func cleanText(v string, multiline bool) (string, string) {
	if !utf8.ValidString(v) {
		return "", "This value contains characters that are not valid text; retype it."
	}
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return "", "This value contains control characters; retype it."
		}
	}
	return v, ""
}

// Save validates every editable field of the submission at ref and, when all are valid,
// writes the changes and their action log entry in one transaction. Nothing is written when
// any field is invalid; the validation errors are keyed by path.
func (s *StoreConfig) Save(ctx context.Context, actor audit.Actor, ref ScopeRef, sub Submission) ([]Change, error) {
	state, err := s.State(ctx, ref)
	if err != nil {
		return nil, err
	}
	ve := validation.Errors{}
	type write struct {
		path   string
		value  *string
		secret bool
	}
	var writes []write
	var changes []Change
	for _, sec := range ServicesSections {
		for _, f := range sec.Fields {
			if !f.EditableAt(ref) {
				continue
			}
			st := state[f.Path]
			if ref.Scope == ScopeWebsites && sub.UseDefault[f.Path] {
				if st.SetHere {
					writes = append(writes, write{path: f.Path})
					changes = append(changes, Change{f.Path, display(f, st.Value), "(use default)"})
				}
				continue
			}
			raw, given := sub.Values[f.Path]
			if f.Kind == KindSecret {
				raw = strings.TrimSpace(raw) // blank keeps the stored value, like empty
				if sub.ClearSecret[f.Path] && st.SetHere {
					writes = append(writes, write{path: f.Path})
					changes = append(changes, Change{f.Path, Mask, "(removed)"})
					continue
				}
				if raw == "" {
					continue // empty keeps what is stored
				}
			}
			if !given {
				continue // a field the form did not send is left as it is
			}
			v, msg := cleanText(raw, f.Multiline)
			if msg == "" && v != "" {
				msg = checkField(f, v)
			}
			if msg != "" {
				ve.Add(f.Path, msg)
				continue
			}
			if f.Kind == KindYesNo && v != "1" {
				v = "0"
			}
			if f.Kind == KindSecret {
				writes = append(writes, write{path: f.Path, value: &v, secret: true})
				before := ""
				if st.SetHere {
					before = Mask
				}
				changes = append(changes, Change{f.Path, before, Mask + " (changed)"})
				continue
			}
			if st.SetHere && st.Value == v {
				continue
			}
			if !st.SetHere && (v == "" || v == st.Inherited) {
				continue // what applies already (a default, or the Default Config's value): not a change
			}
			if v == "" {
				writes = append(writes, write{path: f.Path})
			} else {
				writes = append(writes, write{path: f.Path, value: &v})
			}
			before := ""
			if st.SetHere {
				before = st.Value
			}
			changes = append(changes, Change{f.Path, before, v})
		}
	}
	// The client secret goes only to the IMS it was saved for (and its tokens only to the
	// Platform API it was saved with): changing either URL needs the secret typed again.
	if ref.Scope == ScopeDefault && state[PathCDPClientSecret].Secret.Set && !sub.ClearSecret[PathCDPClientSecret] &&
		strings.TrimSpace(sub.Values[PathCDPClientSecret]) == "" && ve[PathCDPClientSecret] == "" {
		for _, path := range []string{PathCDPIMSURL, PathCDPPlatformURL} {
			v, given := sub.Values[path]
			if !given || ve[path] != "" {
				continue
			}
			if nv, _ := cleanText(v, false); nv != "" && !sameURL(nv, state[path].Effective) {
				f, _ := FieldByPath(path)
				ve.Add(PathCDPClientSecret, fmt.Sprintf("You changed the %s: enter the client secret again, so that it is only ever sent where it was saved for.", f.Label))
				break
			}
		}
	}
	// Signed membership needs a key: stored already, or given now.
	if ref.Scope == ScopeDefault && sub.Values[PathMembershipMode] == "signed" && ve[PathMembershipMode] == "" {
		keyStored := state[PathMembershipKey].Secret.Set && !sub.ClearSecret[PathMembershipKey]
		if !keyStored && strings.TrimSpace(sub.Values[PathMembershipKey]) == "" {
			ve.Add(PathMembershipKey, "Enter the signing key: signed membership cannot be checked without it.")
		}
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if len(writes) == 0 {
		return nil, nil
	}
	err = db.WithTx(ctx, s.store.db, func(tx *gorm.DB) error {
		for _, w := range writes {
			if err := s.store.set(tx, ref, w.path, w.value, w.secret, actor.Username); err != nil {
				return err
			}
		}
		summary := sub.Summary
		if summary == "" {
			summary = "Services configuration saved"
		}
		return s.log.Record(ctx, tx, actor, audit.ActionConfigSave, "config", scopeID(ref),
			fmt.Sprintf("%s (%s): %d field(s) changed", summary, scopeLabel(ref), len(changes)),
			beforeMap(changes), afterMap(changes))
	})
	if err != nil {
		return nil, err
	}
	if s.OnChange != nil {
		s.OnChange()
	}
	return changes, nil
}

// sameURL compares base URLs as the client uses them (a trailing slash aside).
func sameURL(a, b string) bool { return strings.TrimRight(a, "/") == strings.TrimRight(b, "/") }

func checkField(f Field, v string) string {
	if f.Kind == KindSelect {
		for _, o := range f.Options {
			if o.Value == v {
				return ""
			}
		}
		return "Choose one of the listed options."
	}
	if f.Kind == KindYesNo {
		if v == "0" || v == "1" {
			return ""
		}
		return "Choose Yes or No."
	}
	if len(v) > 4096 && !f.Multiline {
		return "This value is too long (at most 4,096 characters)."
	}
	if f.Validate != nil {
		return f.Validate(v)
	}
	return ""
}

func display(f Field, v string) string {
	if f.Kind == KindSecret {
		return Mask
	}
	return v
}

func beforeMap(cs []Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		m[c.Path] = c.Before
	}
	return m
}

func afterMap(cs []Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		m[c.Path] = c.After
	}
	return m
}

func scopeID(ref ScopeRef) string {
	if ref.Scope == ScopeDefault {
		return "default"
	}
	return fmt.Sprintf("website:%d", ref.WebsiteID)
}

func scopeLabel(ref ScopeRef) string {
	switch {
	case ref.Scope == ScopeDefault:
		return "Default Config"
	case ref.Label != "":
		return ref.Label
	}
	return fmt.Sprintf("website %d", ref.WebsiteID)
}

// FieldTitle names a configuration path for people, such as
// "Experience Platform Connector › Datastream ID".
func FieldTitle(path string) (string, bool) {
	for _, s := range ServicesSections {
		for _, f := range s.Fields {
			if f.Path == path {
				return s.Title + " › " + f.Label, true
			}
		}
	}
	return "", false
}

// Workspace is what a Developer Console workspace JSON file says about the credential.
type Workspace struct {
	Project             string
	Workspace           string
	OrgID               string
	ClientID            string
	ClientSecret        string
	TechnicalAccountID  string
	TechnicalAccountEml string
	Scopes              []string
}

// ErrWorkspace is wrapped by every workspace-file problem; its message is for people.
var ErrWorkspace = errors.New("workspace file")

// MaxWorkspaceSize is the largest workspace file accepted.
const MaxWorkspaceSize = 256 * 1024

// ParseWorkspace reads the JSON file the Adobe Developer Console downloads for a project
// workspace and takes its OAuth server-to-server credential.
func ParseWorkspace(b []byte) (Workspace, error) {
	if len(b) > MaxWorkspaceSize {
		return Workspace{}, fmt.Errorf("%w: the file is larger than 256 KiB; download the workspace JSON again", ErrWorkspace)
	}
	var doc struct {
		Project struct {
			Name  string `json:"name"`
			Title string `json:"title"`
			Org   struct {
				IMSOrgID string `json:"ims_org_id"`
			} `json:"org"`
			Workspace struct {
				Name    string `json:"name"`
				Details struct {
					Credentials []struct {
						Name            string `json:"name"`
						IntegrationType string `json:"integration_type"`
						OAuthS2S        *struct {
							ClientID              string   `json:"client_id"`
							ClientSecrets         []string `json:"client_secrets"`
							TechnicalAccountEmail string   `json:"technical_account_email"`
							TechnicalAccountID    string   `json:"technical_account_id"`
							Scopes                []string `json:"scopes"`
						} `json:"oauth_server_to_server"`
					} `json:"credentials"`
				} `json:"details"`
			} `json:"workspace"`
		} `json:"project"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Workspace{}, fmt.Errorf("%w: this is not valid JSON (error near byte %d); upload the file exactly as the Developer Console downloaded it", ErrWorkspace, se.Offset)
		}
		return Workspace{}, fmt.Errorf("%w: this JSON does not have the shape of a Developer Console workspace file", ErrWorkspace)
	}
	p := doc.Project
	if p.Org.IMSOrgID == "" && len(p.Workspace.Details.Credentials) == 0 {
		return Workspace{}, fmt.Errorf("%w: no project or credentials found; download the JSON from the workspace page of your Developer Console project", ErrWorkspace)
	}
	for _, c := range p.Workspace.Details.Credentials {
		if c.OAuthS2S == nil {
			continue
		}
		w := Workspace{Project: firstNonEmpty(p.Title, p.Name), Workspace: p.Workspace.Name, OrgID: p.Org.IMSOrgID,
			ClientID: c.OAuthS2S.ClientID, TechnicalAccountID: c.OAuthS2S.TechnicalAccountID,
			TechnicalAccountEml: c.OAuthS2S.TechnicalAccountEmail}
		for _, sc := range c.OAuthS2S.Scopes {
			if sc = strings.TrimSpace(sc); sc != "" {
				w.Scopes = append(w.Scopes, sc)
			}
		}
		if len(c.OAuthS2S.ClientSecrets) > 0 {
			w.ClientSecret = c.OAuthS2S.ClientSecrets[0]
		}
		if w.ClientID == "" || w.ClientSecret == "" {
			return Workspace{}, fmt.Errorf("%w: the OAuth server-to-server credential has no client ID or client secret; retrieve the secret in the Developer Console and download the JSON again", ErrWorkspace)
		}
		return w, nil
	}
	return Workspace{}, fmt.Errorf("%w: the workspace has no OAuth server-to-server credential; add one in the Developer Console (JWT service account credentials are no longer supported)", ErrWorkspace)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ImportWorkspace saves the credential fields of a parsed workspace file at the default
// scope, validated like a form save.
func (s *StoreConfig) ImportWorkspace(ctx context.Context, actor audit.Actor, w Workspace) ([]Change, error) {
	sub := Submission{Values: map[string]string{PathCDPAuthType: "oauth_server_to_server"},
		Summary: fmt.Sprintf("Credentials imported from the workspace file of project %q", w.Project)}
	// A field the file lacks keeps its stored value.
	for path, v := range map[string]string{PathCDPClientID: w.ClientID, PathCDPClientSecret: w.ClientSecret,
		PathCDPTechAccountID: w.TechnicalAccountID, PathCDPTechAccountEmail: w.TechnicalAccountEml, PathCDPOrgID: w.OrgID,
		PathCDPScopes: strings.Join(w.Scopes, ",")} {
		if v != "" {
			sub.Values[path] = v
		}
	}
	changes, err := s.Save(ctx, actor, Default, sub)
	var ve validation.Errors
	if errors.As(err, &ve) {
		for path, msg := range ve {
			f, _ := FieldByPath(path)
			return nil, fmt.Errorf("%w: the %s in the file is not accepted: %s", ErrWorkspace, strings.ToLower(f.Label), msg)
		}
	}
	return changes, err
}

// Get returns the effective plaintext value of path for a website (0: default scope),
// falling back to the field's default.
func (s *StoreConfig) Get(ctx context.Context, path string, websiteID int64) (string, error) {
	v, ok, err := s.store.Get(ctx, path, websiteID)
	if err != nil {
		return "", err
	}
	if !ok {
		if f, found := FieldByPath(path); found {
			return f.Default, nil
		}
	}
	return v, nil
}
