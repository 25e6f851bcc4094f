package config

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"audienceactivation/internal/db"
)

// Scope names where a configuration value applies: everywhere, or one website.
type Scope string

// The scopes, as Magento names them.
const (
	ScopeDefault  Scope = "default"
	ScopeWebsites Scope = "websites"
)

// ScopeRef is one scope: default, or a website by id.
type ScopeRef struct {
	Scope     Scope
	WebsiteID int64
	Label     string // for people: "Website: Main Website"; empty for the default scope
}

// Default is the default (global) scope.
var Default = ScopeRef{Scope: ScopeDefault}

// Website is the scope of one website.
func Website(id int64) ScopeRef { return ScopeRef{Scope: ScopeWebsites, WebsiteID: id} }

// Value is one stored configuration value. Encrypted values hold a sealed string.
type Value struct {
	ID        int64
	Path      string
	Scope     Scope
	ScopeID   int64
	Value     string
	Encrypted bool
	UpdatedAt time.Time
	UpdatedBy string
}

// TableName maps Value to its table.
func (Value) TableName() string { return "config_values" }

// Store reads and writes scoped configuration values, sealing secrets on the way in.
type Store struct {
	db     *gorm.DB
	sealer *Sealer
}

// NewStore returns a Store on d that seals secrets with sealer.
func NewStore(d *db.DB, sealer *Sealer) *Store { return &Store{db: d.DB, sealer: sealer} }

// Values returns the raw values stored at exactly one scope, by path.
func (s *Store) Values(ctx context.Context, ref ScopeRef) (map[string]Value, error) {
	var vs []Value
	if err := s.db.WithContext(ctx).Where("scope = ? AND scope_id = ?", ref.Scope, ref.WebsiteID).Find(&vs).Error; err != nil {
		return nil, err
	}
	out := make(map[string]Value, len(vs))
	for _, v := range vs {
		out[v.Path] = v
	}
	return out, nil
}

// Get returns the effective plaintext value of path for a website (its own value, else the
// default), or for the default scope when websiteID is 0. ok is false when nothing is set.
func (s *Store) Get(ctx context.Context, path string, websiteID int64) (value string, ok bool, err error) {
	var vs []Value
	q := s.db.WithContext(ctx).Where("path = ? AND ((scope = ? AND scope_id = 0) OR (scope = ? AND scope_id = ?))",
		path, ScopeDefault, ScopeWebsites, websiteID)
	if err := q.Find(&vs).Error; err != nil {
		return "", false, err
	}
	var chosen *Value
	for i := range vs {
		if vs[i].Scope == ScopeWebsites && websiteID != 0 {
			chosen = &vs[i]
			break
		}
		if vs[i].Scope == ScopeDefault {
			chosen = &vs[i]
		}
	}
	if chosen == nil {
		return "", false, nil
	}
	if chosen.Encrypted {
		pt, err := s.sealer.Open(path, chosen.Value)
		return pt, err == nil, err
	}
	return chosen.Value, true, nil
}

// set upserts or (value nil) deletes one value inside tx.
func (s *Store) set(tx *gorm.DB, ref ScopeRef, path string, value *string, secret bool, by string) error {
	q := tx.Where("path = ? AND scope = ? AND scope_id = ?", path, ref.Scope, ref.WebsiteID)
	if value == nil {
		return q.Delete(&Value{}).Error
	}
	stored := *value
	if secret {
		stored = s.sealer.Seal(path, *value)
	}
	// An upsert: two saves that first set the same path at once must not collide.
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "path"}, {Name: "scope"}, {Name: "scope_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "encrypted", "updated_at", "updated_by"}),
	}).Create(&Value{Path: path, Scope: ref.Scope, ScopeID: ref.WebsiteID, Value: stored, Encrypted: secret, UpdatedAt: time.Now().UTC(), UpdatedBy: by}).Error
}
