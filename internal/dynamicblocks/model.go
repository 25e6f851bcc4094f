// Package dynamicblocks owns dynamic blocks — content such as hero banners targeted at
// Real-Time CDP audiences — and their placements on storefront locations, the sanitizing of
// block HTML, and the pure resolution of which blocks a placement shows to a shopper.
package dynamicblocks

import (
	"regexp"
	"time"
)

// BlockType is where a block is meant to go.
type BlockType string

// The block types, as Magento names them.
const (
	TypeAny     BlockType = "any"
	TypeContent BlockType = "content"
	TypeHeader  BlockType = "header"
	TypeFooter  BlockType = "footer"
	TypeLeft    BlockType = "left"
	TypeRight   BlockType = "right"
)

// BlockTypes lists the types with their labels, in the editor's order.
var BlockTypes = []struct {
	Type  BlockType
	Label string
}{{TypeAny, "Any dynamic block type"}, {TypeContent, "Content area"}, {TypeHeader, "Header"}, {TypeFooter, "Footer"}, {TypeLeft, "Left column"}, {TypeRight, "Right column"}}

// Block is a dynamic block.
type Block struct {
	ID           int64
	Name         string
	Enabled      bool
	Type         BlockType
	AudienceIDs  []int64          // empty: everyone
	Content      string           // default content, sanitized HTML
	StoreContent map[int64]string // store view id → sanitized HTML override
	RuleIDs      []int64          // related cart price rules
	FromDate     string           // YYYY-MM-DD in the store view's timezone; "" open
	ToDate       string
	Version      int
	UpdatedAt    time.Time
}

// ContentFor is the block's content in a store view: its override, else the default.
func (b *Block) ContentFor(storeViewID int64) string {
	if c := b.StoreContent[storeViewID]; c != "" {
		return c
	}
	return b.Content
}

// DisplayMode is which blocks a placement considers.
type DisplayMode string

// The display modes.
const (
	DisplaySpecified   DisplayMode = "specified"    // the placement's own list of blocks
	DisplayRuleRelated DisplayMode = "rule_related" // blocks related to the cart price rules applied to the cart
)

// Rotation is how many of the eligible blocks a placement shows, and which.
type Rotation string

// The rotation modes.
const (
	RotateAll     Rotation = "all"     // display all
	RotateRandom  Rotation = "random"  // one at a time, at random
	RotateSeries  Rotation = "series"  // one at a time, in order
	RotateShuffle Rotation = "shuffle" // one at a time, each once per cycle
)

// PlacementBlock is a block of a placement with its sort order.
type PlacementBlock struct {
	BlockID   int64
	SortOrder int
}

// Placement is a "dynamic blocks rotator": where blocks show and how they rotate.
type Placement struct {
	ID           int64
	Title        string
	StoreViewIDs []int64 // empty: every store view
	Location     string
	Display      DisplayMode
	Rotation     Rotation
	Blocks       []PlacementBlock
	RestrictType BlockType // "" or any: no restriction
	Version      int
	UpdatedAt    time.Time
}

// Locations are the named storefront locations offered by the editor; any name matching
// LocationRe is accepted, so storefronts can add their own slots.
var Locations = []string{"content", "header", "footer", "left", "right", "home.hero", "cart.top", "product.top"}

// LocationRe is the form of a location name.
var LocationRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)
