package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Limits of a preference: keys are names the code chooses ("grid.orders.hidden"), values
// short strings, so that a crafted form cannot grow the table without bound.
const (
	MaxPreferenceKey   = 64
	MaxPreferenceValue = 2000
)

// ErrPreference refuses a preference key or value outside the limits.
var ErrPreference = errors.New("auth: preference key or value too long")

type preference struct {
	UserID    int64  `gorm:"primaryKey"`
	PrefKey   string `gorm:"primaryKey"`
	PrefValue string
	UpdatedAt time.Time
}

func (preference) TableName() string { return "admin_preferences" }

// Preference is the value an admin user stored under key, and whether there is one; a
// person's preferences are kept on the server so they follow them across browsers.
func (s *Service) Preference(ctx context.Context, userID int64, key string) (string, bool, error) {
	var p preference
	err := s.db.WithContext(ctx).Where("user_id = ? AND pref_key = ?", userID, key).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return p.PrefValue, true, nil
}

// SetPreference stores value under key for an admin user, replacing what was there. It is
// not written to the action log: it changes how pages look to that person only.
func (s *Service) SetPreference(ctx context.Context, userID int64, key, value string) error {
	if key == "" || len(key) > MaxPreferenceKey || len(value) > MaxPreferenceValue || !utf8.ValidString(value) {
		return fmt.Errorf("%w: %q", ErrPreference, key)
	}
	p := preference{UserID: userID, PrefKey: key, PrefValue: value, UpdatedAt: s.now()}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "pref_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"pref_value", "updated_at"}),
	}).Create(&p).Error
}

// DeletePreference forgets what an admin user stored under key, so the default applies.
func (s *Service) DeletePreference(ctx context.Context, userID int64, key string) error {
	return s.db.WithContext(ctx).Where("user_id = ? AND pref_key = ?", userID, key).Delete(&preference{}).Error
}
