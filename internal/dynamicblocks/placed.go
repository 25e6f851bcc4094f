package dynamicblocks

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
)

// LocationChoice is a storefront location the placement editor offers, with its label.
type LocationChoice struct{ Value, Label string }

// LocationChoices are the known locations and named slots, in the editor's order: the
// page areas Magento's widget offers, then the named slots the storefronts render.
var LocationChoices = []LocationChoice{
	{"content", "Main content area"}, {"header", "Page header"}, {"footer", "Page footer"},
	{"left", "Left column"}, {"right", "Right column"},
	{"home.hero", "Home page hero (home.hero)"}, {"cart.top", "Top of the cart page (cart.top)"},
	{"product.top", "Top of product pages (product.top)"},
}

// Shows reports whether placement p can show block b: it names b, or it shows the blocks
// related to the cart price rules a cart earned and b is related to one, of a type p takes.
func (p Placement) Shows(b Block) bool {
	if p.Display == DisplayRuleRelated {
		if len(b.RuleIDs) == 0 {
			return false
		}
		return p.RestrictType == "" || p.RestrictType == TypeAny || b.Type == TypeAny || b.Type == p.RestrictType
	}
	for _, pb := range p.Blocks {
		if pb.BlockID == b.ID {
			return true
		}
	}
	return false
}

// PlacementsShowing lists the placements that can show block b, so the editor can say
// where it appears, or that it appears nowhere yet.
func (s *Service) PlacementsShowing(ctx context.Context, b Block) ([]Placement, error) {
	all, err := s.Placements(ctx)
	if err != nil {
		return nil, err
	}
	var out []Placement
	for _, p := range all {
		if b.ID != 0 && p.Shows(b) {
			out = append(out, p)
		}
	}
	return out, nil
}

// DeletePlacement deletes a placement; its blocks stay.
func (s *Service) DeletePlacement(ctx context.Context, actor audit.Actor, id int64) error {
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var row placementRow
		if err := tx.First(&row, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := tx.Delete(&placementRow{}, id).Error; err != nil {
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionPlacementDelete, "placement", fmt.Sprint(id),
			fmt.Sprintf("Block placement %q deleted", row.Title), map[string]string{"title": row.Title, "location": row.Location}, nil)
	})
	if err != nil {
		return err
	}
	s.changed()
	return nil
}
