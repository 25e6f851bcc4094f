// Package blocks holds the Content › Dynamic Blocks pages: the blocks grid and editor, and
// the block placements.
package blocks

import (
	"strconv"

	"audienceactivation/templates/audiences"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

// Option is a choice of a select or a checkbox list.
type Option = components.Option

// Column is a sortable grid header.
type Column = components.Column

// Row is one block in the grid.
type Row struct {
	ID                                        int64
	Name, Type, Status, Audiences, StoreViews string
	Enabled                                   bool
	EditURL                                   string
}

// GridView is the blocks grid.
type GridView struct {
	layout.Base
	Search, Type, Status string
	Types                []Option
	Columns              []Column
	Rows                 []Row
	Pager                components.PagerView
	Tools                components.GridTools // page size, column chooser, export
}

// ContentField is the default content or a store view's override.
type ContentField struct {
	Name, Label, Value string
	Removed            []string
	Error              string
}

// EditView is the block editor.
type EditView struct {
	layout.Base
	ID, Version      int64
	Action           string
	Name             string
	Enabled          bool
	Type             string
	Types            []Option
	Chooser          audiences.ChooserView
	Contents         []ContentField
	Preview          string // sanitized HTML of the default content
	Rules            []Option
	FromDate, ToDate string
	Errors           map[string]string
	Conflict         bool
	ReloadURL        string
	UsedBy           []Link // placements that can show this block
	PlaceURL         string // a new placement with this block chosen
	DeleteURL        string
	AudienceWarnings []string // targeted audiences that match nobody
}

// PlacementRow is one placement in the list.
type PlacementRow struct {
	ID                                                 int64
	Title, Location, Display, Rotation, Blocks, Stores string
	LocationLabel                                      string
	EditURL                                            string
}

// PlacementsView is the placements list.
type PlacementsView struct {
	layout.Base
	Rows []PlacementRow
}

// PlacementBlockField is a block choice of a placement with its sort order.
type PlacementBlockField struct {
	ID              int64
	Name            string
	Chosen          bool
	SortOrder       string
	Enabled, Target string
}

// PlacementEditView is the placement editor.
type PlacementEditView struct {
	layout.Base
	ID, Version  int64
	Action       string
	DeleteURL    string
	Title        string
	Location     string
	Locations    []Option
	Display      string
	Rotation     string
	Rotations    []Option
	RestrictType string
	Types        []Option
	StoreViews   []Option
	Blocks       []PlacementBlockField
	Errors       map[string]string
	Conflict     bool
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// Link is a labelled link.
type Link struct{ Label, Href string }
