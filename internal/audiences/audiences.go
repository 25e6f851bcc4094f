// Package audiences owns the Real-Time CDP audiences activated to the store: their model
// and store, the CDP client (IMS OAuth and the Experience Platform APIs), the sync that
// keeps them current, and the parsing of shoppers' audience membership.
package audiences

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
)

// Status is an audience's state in this store.
type Status string

// The statuses. Only active audiences match shoppers: an inactive one is no longer
// activated to the store, a gone one was removed from the CDP. Neither is deleted, because
// rules and blocks may still name them.
const (
	StatusActive   Status = "active"
	StatusInactive Status = "inactive"
	StatusGone     Status = "gone"
)

// StatusLabels names each status for people.
var StatusLabels = map[Status]string{
	StatusActive:   "Active",
	StatusInactive: "Inactive (no longer activated)",
	StatusGone:     "Removed from the CDP",
}

// ErrNotFound means no audience has the given id.
var ErrNotFound = errors.New("audiences: not found")

// Audience is an audience synced from the CDP.
type Audience struct {
	ID                int64
	CDPID             string `gorm:"column:cdp_id"`
	Name              string
	SearchName        string
	Description       string
	Origin            string
	LifecycleState    string
	Status            Status
	UpstreamUpdatedAt *time.Time
	SyncedAt          time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName maps Audience to its table.
func (Audience) TableName() string { return "audiences" }

// OriginLabel is the readable name of an originName.
func OriginLabel(origin string) string {
	switch origin {
	case "REAL_TIME_CUSTOMER_PROFILE":
		return "Experience Platform"
	case "CUSTOM_UPLOAD":
		return "Custom upload"
	case "AUDIENCE_ORCHESTRATION":
		return "Audience Composition"
	case "CUSTOMER_JOURNEY_ANALYTICS":
		return "Customer Journey Analytics"
	case "":
		return "Unknown"
	}
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(origin, "_", " ")))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// Store reads audiences.
type Store struct{ db *gorm.DB }

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d.DB} }

// Get returns the audience with id and the ids of its websites.
func (s *Store) Get(ctx context.Context, id int64) (Audience, []int64, error) {
	var a Audience
	if err := s.db.WithContext(ctx).First(&a, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Audience{}, nil, ErrNotFound
		}
		return Audience{}, nil, err
	}
	var sites []int64
	err := s.db.WithContext(ctx).Raw("SELECT website_id FROM audience_websites WHERE audience_id = ? ORDER BY website_id", id).Scan(&sites).Error
	return a, sites, err
}

// All returns every audience with its website ids, by name (for the CLI).
func (s *Store) All(ctx context.Context) ([]Audience, map[int64][]int64, error) {
	var as []Audience
	if err := s.db.WithContext(ctx).Order("search_name, id").Find(&as).Error; err != nil {
		return nil, nil, err
	}
	var links []struct{ AudienceID, WebsiteID int64 }
	if err := s.db.WithContext(ctx).Raw("SELECT audience_id, website_id FROM audience_websites ORDER BY website_id").Scan(&links).Error; err != nil {
		return nil, nil, err
	}
	sites := map[int64][]int64{}
	for _, l := range links {
		sites[l.AudienceID] = append(sites[l.AudienceID], l.WebsiteID)
	}
	return as, sites, nil
}

// Usage is a rule or block that names an audience.
type Usage struct {
	Kind       string // "rule" or "block"
	EntityID   int64
	EntityName string
}

// UsageOf lists what names an audience.
func (s *Store) UsageOf(ctx context.Context, id int64) ([]Usage, error) {
	var us []Usage
	err := s.db.WithContext(ctx).Raw("SELECT kind, entity_id, entity_name FROM audience_usage WHERE audience_id = ? ORDER BY kind, entity_name", id).Scan(&us).Error
	return us, err
}

// Membership is the immutable map, per website, from CDP audience id to local id of the
// active audiences: what a shopper's membership ids mean on that website.
type Membership map[int64]map[string]int64

// Membership builds the current membership map.
func (s *Store) Membership(ctx context.Context) (Membership, error) {
	var rows []struct {
		WebsiteID int64
		CDPID     string `gorm:"column:cdp_id"`
		ID        int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT aw.website_id, a.cdp_id, a.id FROM audiences a
		JOIN audience_websites aw ON aw.audience_id = a.id WHERE a.status = ?`, StatusActive).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	m := Membership{}
	for _, r := range rows {
		if m[r.WebsiteID] == nil {
			m[r.WebsiteID] = map[string]int64{}
		}
		if id, ok := NormalizeID(r.CDPID); ok {
			m[r.WebsiteID][id] = r.ID
		}
	}
	return m, nil
}

// Resolve maps a shopper's membership ids on a website to local audience ids; unknown,
// inactive and removed audiences match nothing. The ids are as NormalizeID writes them,
// which is how Trust.Read and ReadFor return them: they are normalised once, where they
// are read.
func (m Membership) Resolve(websiteID int64, ids []string) []int64 {
	out, _ := m.ResolveNamed(websiteID, ids)
	return out
}

// ResolveNamed is Resolve that also returns, for each local id, the membership id it came
// from.
func (m Membership) ResolveNamed(websiteID int64, ids []string) (local []int64, named []string) {
	site := m[websiteID]
	local, named = make([]int64, 0, len(ids)), make([]string, 0, len(ids))
	for _, id := range ids {
		if l, ok := site[id]; ok {
			local, named = append(local, l), append(named, id)
		}
	}
	return local, named
}

// SetUsage records that a rule or block (kind) names the given audiences, replacing what it
// named before, and returns the ids that are not audiences of this store (not recorded). It
// writes through tx, so the usage commits with the rule or block.
func (s *Store) SetUsage(ctx context.Context, tx *gorm.DB, kind string, entityID int64, entityName string, audienceIDs []int64) ([]int64, error) {
	if tx == nil {
		tx = s.db
	}
	tx = tx.WithContext(ctx)
	if err := tx.Exec("DELETE FROM audience_usage WHERE kind = ? AND entity_id = ?", kind, entityID).Error; err != nil {
		return nil, err
	}
	if len(audienceIDs) == 0 {
		return nil, nil
	}
	var found []int64
	if err := tx.Raw("SELECT id FROM audiences WHERE id IN ?", audienceIDs).Scan(&found).Error; err != nil {
		return nil, err
	}
	known := map[int64]bool{}
	for _, id := range found {
		known[id] = true
	}
	var missing []int64
	for _, id := range audienceIDs {
		if !known[id] {
			missing = append(missing, id)
		}
	}
	if len(found) == 0 {
		return missing, nil
	}
	return missing, tx.Exec("INSERT INTO audience_usage (audience_id, kind, entity_id, entity_name) SELECT id, ?, ?, ? FROM audiences WHERE id IN ?",
		kind, entityID, entityName, found).Error
}

// LocalIDs maps CDP audience ids (UUIDs in any case, other ids as sent) to local ids, for
// the audiences in the store; the keys are the ids as NormalizeID writes them. A rule file
// may name tens of thousands of audiences: the lookups go in chunks of lookupChunk.
func (s *Store) LocalIDs(ctx context.Context, cdpIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	lower := make([]string, 0, len(cdpIDs))
	for _, id := range cdpIDs {
		if n, ok := NormalizeID(id); ok {
			lower = append(lower, n)
		}
	}
	for chunk := range slices.Chunk(lower, lookupChunk) {
		var rows []struct {
			ID    int64
			CDPID string `gorm:"column:cdp_id"`
		}
		if err := s.db.WithContext(ctx).Raw("SELECT id, cdp_id FROM audiences WHERE cdp_id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.CDPID] = r.ID
		}
	}
	return out, nil
}

// CDPIDs maps local audience ids to their CDP ids, in chunks of lookupChunk.
func (s *Store) CDPIDs(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for chunk := range slices.Chunk(ids, lookupChunk) {
		var rows []struct {
			ID    int64
			CDPID string `gorm:"column:cdp_id"`
		}
		if err := s.db.WithContext(ctx).Raw("SELECT id, cdp_id FROM audiences WHERE id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = r.CDPID
		}
	}
	return out, nil
}

// lookupChunk bounds the ids of one lookup query, so that none passes the databases'
// limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
const lookupChunk = 1000

// ByIDs returns the audiences with the given local ids (unknown ids are left out), in one
// query per 500 ids.
func (s *Store) ByIDs(ctx context.Context, ids []int64) ([]Audience, error) {
	var out []Audience
	for chunk := range slices.Chunk(ids, 500) {
		var as []Audience
		if err := s.db.WithContext(ctx).Where("id IN ?", chunk).Order("id").Find(&as).Error; err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}
