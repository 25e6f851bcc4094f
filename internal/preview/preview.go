// Package preview is the Personalization Preview's simulator: for a store view, a customer
// group, audiences, a coupon, a cart and a moment, which cart price rules apply (and the
// first reason each other one does not) and which blocks each placement shows, with
// reasons. It does no I/O: the caller hands it the snapshots the storefront itself reads
// (rules, blocks, membership, catalog, flat rates), so the preview answers as the
// storefront would.
package preview

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
)

// Line is one cart line as the merchant typed it: a SKU, and optionally a price and
// categories that override the catalog's (nil: the catalog's).
type Line struct {
	Row         int // the line's number on the form, for messages (0: its place in Lines)
	SKU         string
	Price       *int64
	Qty         int
	CategoryIDs []int64
}

// Cart is the cart to simulate, and the checkout details its conditions may read.
type Cart struct {
	Lines                              []Line
	Shipping                           *int64 // nil: the website's flat rate, as the storefront charges it
	Country, Region, Postcode, Payment string
}

// BuildCart turns the typed cart into the engine's cart for store view sv: a line takes the
// catalog product's price, weight, attributes and categories unless it gives its own. A
// line whose SKU is not in products and that has no price is refused: there is nothing to
// price it at. Errors are keyed "lines".
func BuildCart(in Cart, sv stores.StoreView, products map[string]catalog.Product, rate checkout.FlatRate) (*pricerules.Cart, validation.Errors) {
	errs := validation.Errors{}
	cart := &pricerules.Cart{Country: in.Country, Region: in.Region, Postcode: in.Postcode, PaymentMethod: in.Payment}
	units := 0
	for i, l := range in.Lines {
		p, inCatalog := products[strings.TrimSpace(l.SKU)]
		if l.Price == nil && !inCatalog {
			row := l.Row
			if row == 0 {
				row = i + 1
			}
			errs.Add("lines", fmt.Sprintf("Line %d: %q is not in the catalog; enter its price.", row, l.SKU))
			continue
		}
		it := pricerules.Item{ID: int64(i + 1), SKU: l.SKU, Qty: l.Qty}
		if inCatalog {
			it.SKU, it.Price, it.Weight, it.Attributes, it.CategoryIDs = p.SKU, p.Price, p.Weight, p.Attributes, p.CategoryID
		}
		if l.Price != nil {
			it.Price = *l.Price
		}
		if l.CategoryIDs != nil {
			it.CategoryIDs = l.CategoryIDs
		}
		cart.Items = append(cart.Items, it)
		units += l.Qty
	}
	switch {
	case in.Shipping != nil:
		cart.Shipping = *in.Shipping
	case units > 0:
		// The carrier quotes on quantities alone, so one line of all the units will do.
		if amount, ok := rate.Quote(checkout.Cart{Lines: []checkout.Line{{Qty: units}}}); ok {
			cart.Shipping, cart.ShippingMethod = amount, checkout.FlatRateMethod
		}
	}
	return cart, errs
}

// Shopper is who is simulated, where and when.
type Shopper struct {
	StoreView stores.StoreView
	GroupID   int64
	Audiences []int64 // local ids chosen; only the website's active ones count
	Coupon    string
	Now       time.Time
}

// Sources are the storefront's own snapshots, read once by the caller.
type Sources struct {
	Rules      *pricerules.Snapshot
	Blocks     *dynamicblocks.Snapshot
	Placements []dynamicblocks.Placement
	Membership audiences.Membership
}

// PlacementOutcome is what one placement shows the shopper, and why each other block of it
// does not show.
type PlacementOutcome struct {
	Title, Location string
	Shown           []string // block names
	Omitted         []string // "name: reason"
}

// Outcome is the simulation's answer.
type Outcome struct {
	Result *pricerules.Result // with every rule's reason (explained)
	// Inactive are the chosen audiences that are not active on the store view's website:
	// they match nobody there, as on the storefront.
	Inactive   []int64
	Placements []PlacementOutcome // the store view's placements, in the order given
}

// Run evaluates cart for who against src, as the storefront would at who.Now, explaining
// every rule and every block.
func Run(cart *pricerules.Cart, who Shopper, src Sources) Outcome {
	sv := who.StoreView
	var in []int64
	var out Outcome
	active := map[int64]bool{}
	for _, id := range src.Membership[sv.WebsiteID] {
		active[id] = true
	}
	for _, id := range who.Audiences {
		if active[id] {
			in = append(in, id)
		} else {
			out.Inactive = append(out.Inactive, id)
		}
	}
	loc := sv.Location()
	out.Result = src.Rules.Evaluate(cart, &pricerules.Shopper{WebsiteID: sv.WebsiteID, StoreViewID: sv.ID, CustomerGroupID: who.GroupID,
		Audiences: in, Coupon: who.Coupon, Now: who.Now, Location: loc, Explain: true})
	applied := make([]int64, len(out.Result.Applied))
	for i, r := range out.Result.Applied {
		applied[i] = r.RuleID
	}
	for _, pl := range src.Placements {
		p := src.Blocks.Placement(pl.ID)
		if p == nil || len(p.StoreViewIDs) > 0 && !slices.Contains(p.StoreViewIDs, sv.ID) {
			continue
		}
		r := src.Blocks.Resolve(p, &dynamicblocks.Shopper{StoreViewID: sv.ID, Audiences: in, AppliedRuleIDs: applied, Now: who.Now, Location: loc, Explain: true})
		po := PlacementOutcome{Title: p.Title, Location: p.Location}
		for _, b := range r.Blocks {
			po.Shown = append(po.Shown, blockName(src.Blocks, b.BlockID))
		}
		for _, o := range r.Omitted {
			po.Omitted = append(po.Omitted, blockName(src.Blocks, o.BlockID)+": "+o.Reason)
		}
		out.Placements = append(out.Placements, po)
	}
	return out
}

func blockName(s *dynamicblocks.Snapshot, id int64) string {
	if b := s.Block(id); b != nil {
		return b.Name
	}
	return fmt.Sprintf("block %d", id)
}
