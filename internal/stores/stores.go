// Package stores owns the store hierarchy: websites and their store views. Rules, blocks,
// audiences and configuration refer to websites; carts and labels to store views.
package stores

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // store views name IANA zones; do not depend on the host's zoneinfo

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// ErrNotFound means no website or store view has the given id or code.
var ErrNotFound = errors.New("stores: not found")

// Website is a website: the scope of prices, customers and configuration such as the
// datastream ID.
type Website struct {
	ID        int64
	Code      string
	Name      string
	IsDefault bool
	SortOrder int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StoreView is a store view of a website: its language, currency and timezone.
type StoreView struct {
	ID        int64
	WebsiteID int64
	Code      string
	Name      string
	Currency  string
	Timezone  string
	IsActive  bool
	IsDefault bool
	SortOrder int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Service manages websites and store views.
type Service struct {
	db  *gorm.DB
	log *audit.Log
	// OnChange is called after a store view is saved, so the storefront's copy is rebuilt.
	OnChange func()
}

// NewService returns a Service on d that records changes in log.
func NewService(d *db.DB, log *audit.Log) *Service { return &Service{db: d.DB, log: log} }

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Currencies lists the ISO 4217 codes offered for store views.
var Currencies = []string{"USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "NZD", "SGD", "HKD", "INR", "BRL", "MXN", "ZAR", "CNY"}

// Timezones lists the zones offered in the store view form; any IANA zone is accepted.
var Timezones = []string{"UTC",
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Phoenix", "America/Denver", "America/Chicago",
	"America/New_York", "America/Halifax", "America/Toronto", "America/Vancouver", "America/Mexico_City", "America/Bogota",
	"America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires", "America/Sao_Paulo",
	"Atlantic/Reykjavik", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Amsterdam",
	"Europe/Brussels", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Stockholm", "Europe/Oslo",
	"Europe/Copenhagen", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Athens", "Europe/Helsinki",
	"Europe/Istanbul", "Europe/Kyiv", "Europe/Moscow", "Africa/Cairo", "Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg",
	"Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore",
	"Asia/Hong_Kong", "Asia/Shanghai", "Asia/Taipei", "Asia/Manila", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland"}

func validateCode(ve validation.Errors, code string) {
	if !codeRe.MatchString(code) {
		ve.Add("code", "Use 1 to 32 lowercase letters, digits or underscores, starting with a letter.")
	}
}

func validateName(ve validation.Errors, name string) {
	switch {
	case !validation.IsText(name, false):
		ve.Add("name", "The name contains characters that are not valid text; retype it.")
	case name == "":
		ve.Add("name", "Enter a name.")
	case len(name) > 255:
		ve.Add("name", "Use at most 255 characters.")
	}
}

// Websites returns all websites in sort order.
func (s *Service) Websites(ctx context.Context) ([]Website, error) {
	var ws []Website
	err := s.db.WithContext(ctx).Order("sort_order, id").Find(&ws).Error
	return ws, err
}

// Website returns the website with id.
func (s *Service) Website(ctx context.Context, id int64) (Website, error) {
	var w Website
	return w, notFound(s.db.WithContext(ctx).First(&w, id).Error)
}

// WebsiteByCode returns the website with code.
func (s *Service) WebsiteByCode(ctx context.Context, code string) (Website, error) {
	var w Website
	return w, notFound(s.db.WithContext(ctx).Where("code = ?", code).First(&w).Error)
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// SaveWebsite validates and creates (ID 0) or updates a website. A website's code cannot
// change once created: configuration and integrations refer to it.
func (s *Service) SaveWebsite(ctx context.Context, actor audit.Actor, w Website) (Website, error) {
	ve := validation.Errors{}
	w.Code = strings.TrimSpace(w.Code)
	w.Name = strings.TrimSpace(w.Name)
	validateCode(ve, w.Code)
	validateName(ve, w.Name)
	if err := ve.Err(); err != nil {
		return w, err
	}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var before any
		if w.ID != 0 {
			var old Website
			if err := notFound(tx.First(&old, w.ID).Error); err != nil {
				return err
			}
			w.Code, w.CreatedAt, w.IsDefault = old.Code, old.CreatedAt, old.IsDefault
			before = map[string]string{"code": old.Code, "name": old.Name}
		}
		if err := tx.Save(&w).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return validation.Errors{"code": "Another website has this code."}
			}
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionWebsiteSave, "website", fmt.Sprint(w.ID),
			fmt.Sprintf("Website %q (%s) saved", w.Name, w.Code), before, map[string]string{"code": w.Code, "name": w.Name})
	})
	return w, err
}

// WebsiteIDs maps each website's code to its id.
func (s *Service) WebsiteIDs(ctx context.Context) (map[string]int64, error) {
	ws, err := s.Websites(ctx)
	out := make(map[string]int64, len(ws))
	for _, w := range ws {
		out[w.Code] = w.ID
	}
	return out, err
}

// StoreViewIDs maps each store view's code to its id.
func (s *Service) StoreViewIDs(ctx context.Context) (map[string]int64, error) {
	vs, err := s.StoreViews(ctx)
	out := make(map[string]int64, len(vs))
	for _, v := range vs {
		out[v.Code] = v.ID
	}
	return out, err
}

// StoreViews returns all store views in sort order.
func (s *Service) StoreViews(ctx context.Context) ([]StoreView, error) {
	var vs []StoreView
	err := s.db.WithContext(ctx).Order("website_id, sort_order, id").Find(&vs).Error
	return vs, err
}

// StoreView returns the store view with id.
func (s *Service) StoreView(ctx context.Context, id int64) (StoreView, error) {
	var v StoreView
	return v, notFound(s.db.WithContext(ctx).First(&v, id).Error)
}

// SaveStoreView validates and creates (ID 0) or updates a store view. Marking a view as its
// website's default clears the flag on the website's other views; the default view cannot be
// deactivated.
func (s *Service) SaveStoreView(ctx context.Context, actor audit.Actor, v StoreView) (StoreView, error) {
	ve := validation.Errors{}
	v.Code = strings.TrimSpace(v.Code)
	v.Name = strings.TrimSpace(v.Name)
	if v.ID == 0 {
		validateCode(ve, v.Code)
	}
	validateName(ve, v.Name)
	v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
	if !contains(Currencies, v.Currency) {
		ve.Add("currency", "Choose a currency from the list.")
	}
	if _, err := time.LoadLocation(v.Timezone); err != nil || v.Timezone == "" || v.Timezone == "Local" {
		ve.Add("timezone", "Choose a timezone, such as Europe/Paris.")
	}
	if v.IsDefault && !v.IsActive {
		ve.Add("is_active", "The default store view of a website must be enabled.")
	}
	if err := ve.Err(); err != nil {
		return v, err
	}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := notFound(tx.First(&Website{}, v.WebsiteID).Error); err != nil {
			if errors.Is(err, ErrNotFound) {
				return validation.Errors{"website_id": "Choose a website."}
			}
			return err
		}
		var before any
		if v.ID != 0 {
			var old StoreView
			if err := notFound(tx.First(&old, v.ID).Error); err != nil {
				return err
			}
			v.Code, v.CreatedAt = old.Code, old.CreatedAt
			before = storeViewAudit(old)
			if old.IsDefault && !v.IsDefault {
				return validation.Errors{"is_default": "Make another store view the default instead: a website always has one."}
			}
			if old.IsDefault && old.WebsiteID != v.WebsiteID {
				return validation.Errors{"website_id": "The default store view cannot move to another website."}
			}
		} else {
			var n int64
			tx.Model(&StoreView{}).Where("website_id = ?", v.WebsiteID).Count(&n)
			if n == 0 {
				v.IsDefault, v.IsActive = true, true
			}
		}
		if v.IsDefault {
			if err := tx.Model(&StoreView{}).Where("website_id = ? AND id <> ?", v.WebsiteID, v.ID).Update("is_default", false).Error; err != nil {
				return err
			}
		}
		if err := tx.Save(&v).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return validation.Errors{"code": "Another store view has this code."}
			}
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionStoreViewSave, "store_view", fmt.Sprint(v.ID),
			fmt.Sprintf("Store view %q (%s) saved", v.Name, v.Code), before, storeViewAudit(v))
	})
	if err == nil && s.OnChange != nil {
		s.OnChange()
	}
	return v, err
}

func storeViewAudit(v StoreView) map[string]string {
	return map[string]string{"code": v.Code, "name": v.Name, "website_id": fmt.Sprint(v.WebsiteID), "currency": v.Currency,
		"timezone": v.Timezone, "active": fmt.Sprint(v.IsActive), "default": fmt.Sprint(v.IsDefault)}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CustomerGroup is a customer group: NOT LOGGED IN (0), General, Wholesale, Retailer.
type CustomerGroup struct {
	ID   int64
	Code string
}

// CustomerGroups lists the customer groups by id.
func (s *Service) CustomerGroups(ctx context.Context) ([]CustomerGroup, error) {
	var gs []CustomerGroup
	err := s.db.WithContext(ctx).Raw("SELECT id, code FROM customer_groups ORDER BY id").Scan(&gs).Error
	return gs, err
}

// locations caches time zones by name: loading one reads the zone database from disk.
var locations sync.Map

// Location is the store view's time zone (UTC when it cannot be loaded).
func (v StoreView) Location() *time.Location {
	if l, ok := locations.Load(v.Timezone); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(v.Timezone)
	if err != nil {
		l = time.UTC
	}
	locations.Store(v.Timezone, l)
	return l
}
