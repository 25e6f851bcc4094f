package storefront

import (
	"context"
	"fmt"
	"slices"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/storefront/model"
)

// blockTypes maps the schema's locations to block types.
var blockTypes = map[model.DynamicBlockLocationEnum]dynamicblocks.BlockType{
	model.DynamicBlockLocationEnumContent: dynamicblocks.TypeContent, model.DynamicBlockLocationEnumHeader: dynamicblocks.TypeHeader,
	model.DynamicBlockLocationEnumFooter: dynamicblocks.TypeFooter, model.DynamicBlockLocationEnumLeft: dynamicblocks.TypeLeft,
	model.DynamicBlockLocationEnumRight: dynamicblocks.TypeRight,
}

// dynamicBlocks resolves the store view's placements of the asked type for the shopper,
// from the in-memory snapshot: the same resolution as the server-rendered storefront.
func (r *Resolver) dynamicBlocks(ctx context.Context, in *model.DynamicBlocksFilterInput, pageSize, currentPage *int) (*model.DynamicBlocks, error) {
	if in == nil {
		return nil, inputError(`Required parameter "input" is missing: give at least its "type".`)
	}
	size, page, err := paging(pageSize, currentPage, 100)
	if err != nil {
		return nil, err
	}
	req := shopperOf(ctx)
	out := &model.DynamicBlocks{Items: []*model.DynamicBlock{}}
	var display dynamicblocks.DisplayMode
	var applied []int64
	switch in.Type {
	case model.DynamicBlockTypeEnumSpecified:
		display = dynamicblocks.DisplaySpecified
	case model.DynamicBlockTypeEnumCartPriceRuleRelated:
		display = dynamicblocks.DisplayRuleRelated
		if in.CartID == nil || *in.CartID == "" {
			return nil, inputError(`"cart_id" is required for CART_PRICE_RULE_RELATED dynamic blocks.`)
		}
		c, err := r.openCart(ctx, *in.CartID)
		if err != nil {
			return nil, err
		}
		t, err := r.deps.Checkout.Totals(ctx, c, req.Pricing())
		if err != nil {
			return nil, err
		}
		for _, a := range t.Result.Applied {
			applied = append(applied, a.RuleID)
		}
	default: // CATALOG_PRICE_RULE_RELATED: there are no catalog price rules
		out.PageInfo = pageInfo(page, size, 0)
		return out, nil
	}
	want, err := r.blockFilter(ctx, in)
	if err != nil {
		return nil, err
	}
	snap, err := r.deps.Blocks(ctx)
	if err != nil {
		return nil, err
	}
	states := map[int64]dynamicblocks.PlacementState{}
	if in.RotationState != nil {
		states = dynamicblocks.DecodeStates(*in.RotationState)
	}
	var all []*model.DynamicBlock
	seen := map[int64]bool{}
	for _, p := range snap.PlacementsIn(req.View.ID) {
		if p.Display != display || (in.PlacementLocations != nil && !slices.Contains(in.PlacementLocations, p.Location)) {
			continue
		}
		res := snap.Resolve(p, &dynamicblocks.Shopper{StoreViewID: req.View.ID, Audiences: req.Audiences, AppliedRuleIDs: applied,
			Now: r.deps.Now(), Location: req.Location, State: states[p.ID], Rand: r.deps.Rand, Want: want})
		if res.State.Next != 0 || len(res.State.Seen) > 0 {
			states[p.ID] = res.State
		}
		for _, b := range res.Blocks {
			if seen[b.BlockID] {
				continue
			}
			seen[b.BlockID] = true
			item := &model.DynamicBlock{UID: encodeUID(b.BlockID), Content: &model.ComplexTextValue{HTML: b.HTML}, PlacementLocation: &p.Location,
				AudienceID: []*string{}}
			// A block shows only to members of one of its audiences, so the ids it names
			// are among those the shopper sent.
			for _, a := range b.AudienceIDs {
				if i := slices.Index(req.Audiences, a); i >= 0 {
					item.AudienceID = append(item.AudienceID, &req.CDPIDs[i])
				}
			}
			all = append(all, item)
		}
	}
	out.TotalCount = len(all)
	out.PageInfo = pageInfo(page, size, len(all))
	if from := (page - 1) * size; from < len(all) {
		out.Items = all[from:min(from+size, len(all))]
	}
	if enc := dynamicblocks.EncodeStates(states); enc != "" {
		out.RotationState = &enc
	}
	return out, nil
}

// blockFilter is what the input's locations, uids and audience ids ask for (nil: all).
func (r *Resolver) blockFilter(ctx context.Context, in *model.DynamicBlocksFilterInput) (func(*dynamicblocks.Block) bool, error) {
	var types []dynamicblocks.BlockType
	for _, l := range in.Locations {
		if l != nil {
			types = append(types, blockTypes[*l])
		}
	}
	if len(in.DynamicBlockUids) > maxFilterValues || (in.AudienceID != nil && len(filterValues(in.AudienceID)) > maxFilterValues) {
		return nil, inputError(fmt.Sprintf("Filter by at most %d block uids or audience ids at once.", maxFilterValues))
	}
	var ids []int64
	for _, uid := range in.DynamicBlockUids {
		if uid == nil {
			continue
		}
		id, ok := decodeUID(*uid)
		if !ok {
			return nil, inputError("The dynamic block uid " + *uid + " is not valid.")
		}
		ids = append(ids, id)
	}
	var wanted []int64
	audienceFilter := in.AudienceID != nil && len(filterValues(in.AudienceID)) > 0
	if audienceFilter {
		m, err := r.deps.Membership(ctx)
		if err != nil {
			return nil, err
		}
		// Ids are matched as the membership values' are: normalised once, here.
		var ids []string
		for _, v := range filterValues(in.AudienceID) {
			if id, ok := audiences.NormalizeID(v); ok {
				ids = append(ids, id)
			}
		}
		wanted = m.Resolve(shopperOf(ctx).View.WebsiteID, ids)
	}
	// An empty list of uids filters nothing, as Magento reads it (Venia sends [] for the
	// blocks related to the cart's rules).
	uidFilter := len(in.DynamicBlockUids) > 0
	if types == nil && !uidFilter && !audienceFilter {
		return nil, nil
	}
	return func(b *dynamicblocks.Block) bool {
		if types != nil && b.Type != dynamicblocks.TypeAny && !slices.Contains(types, b.Type) {
			return false
		}
		if uidFilter && !slices.Contains(ids, b.ID) {
			return false
		}
		if audienceFilter && !slices.ContainsFunc(b.AudienceIDs, func(a int64) bool { return slices.Contains(wanted, a) }) {
			return false
		}
		return true
	}, nil
}
