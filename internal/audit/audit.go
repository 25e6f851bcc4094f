// Package audit keeps the action log: who did what, when, from where, with the values
// before and after. Callers mask secrets before they record; the log never holds them.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
)

// Entry is one logged action.
type Entry struct {
	ID         int64
	At         time.Time
	Actor      string
	RemoteAddr string
	Action     string
	EntityType string
	EntityID   string
	Summary    string
	BeforeData string
	AfterData  string
	RequestID  string
}

// TableName maps Entry to its table.
func (Entry) TableName() string { return "action_log" }

// Actions recorded; the grid offers them as a filter.
const (
	ActionSignIn        = "sign_in"
	ActionSignInFailed  = "sign_in_failed"
	ActionSignOut       = "sign_out"
	ActionConfigSave    = "config_save"
	ActionAdminCreate   = "admin_user_create"
	ActionAdminUpdate   = "admin_user_update"
	ActionWebsiteSave   = "website_save"
	ActionStoreViewSave = "store_view_save"
	ActionRuleSave      = "price_rule_save"
	ActionRuleDelete    = "price_rule_delete"
	ActionRuleImport    = "price_rule_import"
	ActionCouponsChange = "coupons_change"
	ActionBlockSave     = "dynamic_block_save"
	ActionBlockDelete   = "dynamic_block_delete"
	ActionPlacementSave = "placement_save"
	ActionCatalogImport = "catalog_import"
	ActionCustomerSave  = "customer_save"
	// Deletions (and a customer's deactivation, when orders keep it).
	ActionWebsiteDelete   = "website_delete"
	ActionStoreViewDelete = "store_view_delete"
	ActionPlacementDelete = "placement_delete"
	ActionCustomerDelete  = "customer_delete"
)

// ActionLabels names each action for people.
var ActionLabels = map[string]string{
	ActionSignIn:          "Sign-in",
	ActionSignInFailed:    "Failed sign-in",
	ActionSignOut:         "Sign-out",
	ActionConfigSave:      "Configuration saved",
	ActionAdminCreate:     "Admin user created",
	ActionAdminUpdate:     "Admin user changed",
	ActionWebsiteSave:     "Website saved",
	ActionStoreViewSave:   "Store view saved",
	ActionRuleSave:        "Cart price rule saved",
	ActionRuleDelete:      "Cart price rule deleted",
	ActionRuleImport:      "Cart price rules imported",
	ActionCouponsChange:   "Coupons changed",
	ActionBlockSave:       "Dynamic block saved",
	ActionBlockDelete:     "Dynamic block deleted",
	ActionPlacementSave:   "Block placement saved",
	ActionCatalogImport:   "Catalog imported",
	ActionCustomerSave:    "Customer saved",
	ActionWebsiteDelete:   "Website deleted",
	ActionStoreViewDelete: "Store view deleted",
	ActionPlacementDelete: "Block placement deleted",
	ActionCustomerDelete:  "Customer deleted or deactivated",
}

// Actor identifies who acted and from where.
type Actor struct {
	Username   string
	RemoteAddr string
	RequestID  string
}

// Log records and lists actions.
type Log struct{ db *gorm.DB }

// NewLog returns a Log on d.
func NewLog(d *db.DB) *Log { return &Log{db: d.DB} }

// Record writes an entry; before and after are marshalled as JSON when not nil. It writes
// through tx when given, so an action and its log entry commit together.
func (l *Log) Record(ctx context.Context, tx *gorm.DB, a Actor, action, entityType, entityID, summary string, before, after any) error {
	if tx == nil {
		tx = l.db
	}
	e := Entry{At: time.Now().UTC(), Actor: a.Username, RemoteAddr: a.RemoteAddr, RequestID: a.RequestID,
		Action: action, EntityType: entityType, EntityID: entityID, Summary: summary,
		BeforeData: marshal(before), AfterData: marshal(after)}
	return tx.WithContext(ctx).Create(&e).Error
}

func marshal(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// Filter selects entries for the grid.
type Filter struct {
	Actor    string
	Action   string
	From, To time.Time // zero means open
	Page     int       // 1-based
	PerPage  int
}

// Page is one page of entries and the total matching.
type Page struct {
	Entries []Entry
	Total   int64
}

// List returns entries newest first.
func (l *Log) List(ctx context.Context, f Filter) (Page, error) {
	q := l.db.WithContext(ctx).Model(&Entry{})
	if a := strings.TrimSpace(f.Actor); a != "" {
		q = q.Where(`LOWER(actor) LIKE ? ESCAPE '\'`, "%"+db.EscapeLike(strings.ToLower(a))+"%")
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	var p Page
	if err := q.Count(&p.Total).Error; err != nil {
		return p, err
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	err := q.Order("at DESC, id DESC").Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&p.Entries).Error
	return p, err
}

// ErrNotFound means no entry has the id.
var ErrNotFound = errors.New("audit: entry not found")

// Get returns one entry, or ErrNotFound.
func (l *Log) Get(ctx context.Context, id int64) (Entry, error) {
	var e Entry
	err := l.db.WithContext(ctx).First(&e, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return e, ErrNotFound
	}
	return e, err
}
