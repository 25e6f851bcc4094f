package stores

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
)

// ErrInUse is wrapped by InUseError: something depends on what was to be deleted.
var ErrInUse = errors.New("stores: in use")

// InUseError says why a website or store view cannot be deleted, in words for people.
type InUseError struct{ Reason string }

func (e *InUseError) Error() string { return e.Reason }

// Unwrap makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Unwrap() error { return ErrInUse }

// isForeignKey reports a refused delete because other rows still refer to the row (both
// engines name it so).
func isForeignKey(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "foreign key")
}

// DeleteWebsite deletes a website that is not the default one and has no store views left
// (Magento deletes them along; here a merchant deletes them first, knowingly). Customers or
// orders of the website also keep it.
func (s *Service) DeleteWebsite(ctx context.Context, actor audit.Actor, id int64) error {
	return db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var w Website
		if err := notFound(tx.First(&w, id).Error); err != nil {
			return err
		}
		if w.IsDefault {
			return &InUseError{"The default website cannot be deleted: the storefront and the configuration fall back to it."}
		}
		var views int64
		if err := tx.Model(&StoreView{}).Where("website_id = ?", id).Count(&views).Error; err != nil {
			return err
		}
		if views > 0 {
			return &InUseError{fmt.Sprintf("The website still has %d store view(s): delete them first.", views)}
		}
		if err := tx.Delete(&Website{}, id).Error; err != nil {
			if isForeignKey(err) {
				return &InUseError{"Customers or orders belong to this website, so it is kept."}
			}
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionWebsiteDelete, "website", fmt.Sprint(id),
			fmt.Sprintf("Website %q (%s) deleted", w.Name, w.Code), map[string]string{"code": w.Code, "name": w.Name}, nil)
	})
}

// DeleteStoreView deletes a store view that is not its website's default and in which no
// order was placed.
func (s *Service) DeleteStoreView(ctx context.Context, actor audit.Actor, id int64) error {
	return db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var v StoreView
		if err := notFound(tx.First(&v, id).Error); err != nil {
			return err
		}
		if v.IsDefault {
			return &InUseError{"This is its website's default store view: make another store view the default first."}
		}
		if err := tx.Delete(&StoreView{}, id).Error; err != nil {
			if isForeignKey(err) {
				return &InUseError{"Orders were placed in this store view, so it is kept: disable it instead."}
			}
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionStoreViewDelete, "store_view", fmt.Sprint(id),
			fmt.Sprintf("Store view %q (%s) deleted", v.Name, v.Code), map[string]string{"code": v.Code, "name": v.Name}, nil)
	})
}
