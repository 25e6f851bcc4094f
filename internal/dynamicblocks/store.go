package dynamicblocks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("dynamicblocks: not found")
	// ErrConflict means someone else saved the block or placement since it was opened.
	ErrConflict = errors.New("dynamicblocks: changed by someone else")
)

// AudienceUsage records which audiences a block names (the audiences package implements
// it), and returns the ids that are not audiences.
type AudienceUsage interface {
	SetUsage(ctx context.Context, tx *gorm.DB, kind string, entityID int64, entityName string, audienceIDs []int64) ([]int64, error)
}

type blockRow struct {
	ID   int64
	Name string
	// SearchName is the name in lowercase (Unicode-aware), which the grid searches and sorts
	// by: SQLite's LOWER folds ASCII letters alone.
	SearchName string
	IsEnabled  bool
	BlockType  string
	Content    string
	FromDate   string
	ToDate     string
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (blockRow) TableName() string { return "dynamic_blocks" }

type placementRow struct {
	ID           int64
	Title        string
	Location     string
	DisplayMode  string
	Rotation     string
	RestrictType string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (placementRow) TableName() string { return "block_placements" }

// Service stores blocks and placements.
type Service struct {
	db    *gorm.DB
	log   *audit.Log
	usage AudienceUsage
	now   func() time.Time
	// OnChange is called after every committed change, to rebuild the snapshot.
	OnChange func()
}

// NewService returns a Service on d.
func NewService(d *db.DB, log *audit.Log, usage AudienceUsage) *Service {
	return &Service{db: d.DB, log: log, usage: usage, now: func() time.Time { return time.Now().UTC() }}
}

func (s *Service) changed() {
	if s.OnChange != nil {
		s.OnChange()
	}
}

// ValidateBlock checks a block and sanitizes its content; it returns the messages by field
// and, per content field ("content", "content_<store view id>"), what sanitizing removed.
func ValidateBlock(b *Block) (validation.Errors, map[string][]string) {
	ve := validation.Errors{}
	removed := map[string][]string{}
	b.Name = strings.TrimSpace(b.Name)
	switch {
	case b.Name == "":
		ve.Add("name", "Enter a block name.")
	case len(b.Name) > 255 || !validation.IsText(b.Name, false):
		ve.Add("name", "Use at most 255 characters of plain text.")
	}
	valid := false
	for _, t := range BlockTypes {
		valid = valid || t.Type == b.Type
	}
	if !valid {
		ve.Add("type", "Choose a block type.")
	}
	clean := func(field, html string) string {
		if !validation.IsText(html, true) || len(html) > 256<<10 {
			ve.Add(field, "Use text or HTML of at most 256 KiB.")
			return html
		}
		out, gone := Sanitize(html)
		if len(gone) > 0 {
			removed[field] = gone
		}
		return out
	}
	b.Content = clean("content", b.Content)
	if strings.TrimSpace(b.Content) == "" {
		ve.Add("content", "Enter the block's content.")
	}
	for sv, c := range b.StoreContent {
		if strings.TrimSpace(c) == "" {
			delete(b.StoreContent, sv)
			continue
		}
		b.StoreContent[sv] = clean(fmt.Sprintf("content_%d", sv), c)
	}
	var from, to time.Time
	var err error
	if b.FromDate != "" {
		if from, err = time.Parse("2006-01-02", b.FromDate); err != nil {
			ve.Add("from_date", "Use a date such as 2026-12-01.")
		}
	}
	if b.ToDate != "" {
		if to, err = time.Parse("2006-01-02", b.ToDate); err != nil {
			ve.Add("to_date", "Use a date such as 2026-12-31.")
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		ve.Add("to_date", "The end date is before the start date.")
	}
	if len(b.AudienceIDs) > 500 {
		ve.Add("audience_ids", "Choose at most 500 audiences.")
	}
	return ve, removed
}

// SaveBlock validates, sanitizes and creates (ID 0) or updates a block, with its audiences,
// store-view content and related rules; an update carries the version the editor loaded.
// It returns the saved block and what sanitizing removed, by content field.
func (s *Service) SaveBlock(ctx context.Context, actor audit.Actor, b Block) (Block, map[string][]string, error) {
	ve, removed := ValidateBlock(&b)
	if len(ve) > 0 {
		return b, removed, ve
	}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		row := blockRow{ID: b.ID, Name: b.Name, SearchName: strings.ToLower(b.Name), IsEnabled: b.Enabled, BlockType: string(b.Type), Content: b.Content,
			FromDate: b.FromDate, ToDate: b.ToDate, UpdatedAt: s.now()}
		if b.ID == 0 {
			row.CreatedAt, row.Version = row.UpdatedAt, 1
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		} else {
			row.Version = b.Version + 1
			res := tx.Model(&blockRow{}).Where("id = ? AND version = ?", b.ID, b.Version).Select("*").Omit("id", "created_at").Updates(&row)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				var n int64
				tx.Model(&blockRow{}).Where("id = ?", b.ID).Count(&n)
				if n == 0 {
					return ErrNotFound
				}
				return ErrConflict
			}
		}
		b.ID, b.Version, b.UpdatedAt = row.ID, row.Version, row.UpdatedAt
		for _, q := range []string{"DELETE FROM dynamic_block_audiences WHERE block_id = ?", "DELETE FROM dynamic_block_contents WHERE block_id = ?", "DELETE FROM dynamic_block_rules WHERE block_id = ?"} {
			if err := tx.Exec(q, b.ID).Error; err != nil {
				return err
			}
		}
		if s.usage != nil {
			missing, err := s.usage.SetUsage(ctx, tx, "block", b.ID, b.Name, uniq(b.AudienceIDs))
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return validation.Errors{"audience_ids": fmt.Sprintf("Audience %d is not an audience of this store.", missing[0])}
			}
		}
		for _, a := range uniq(b.AudienceIDs) {
			if err := tx.Exec("INSERT INTO dynamic_block_audiences (block_id, audience_id) VALUES (?, ?)", b.ID, a).Error; err != nil {
				return err
			}
		}
		for sv, c := range b.StoreContent {
			if err := tx.Exec("INSERT INTO dynamic_block_contents (block_id, store_view_id, content) VALUES (?, ?, ?)", b.ID, sv, c).Error; err != nil {
				return fkError(err, fmt.Sprintf("content_%d", sv), "This store view no longer exists.")
			}
		}
		for _, r := range uniq(b.RuleIDs) {
			if err := tx.Exec("INSERT INTO dynamic_block_rules (block_id, rule_id) VALUES (?, ?)", b.ID, r).Error; err != nil {
				return fkError(err, "rule_ids", "Choose cart price rules that exist.")
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionBlockSave, "dynamic_block", fmt.Sprint(b.ID), fmt.Sprintf("Dynamic block %q saved", b.Name), nil,
			map[string]string{"name": b.Name, "enabled": fmt.Sprint(b.Enabled), "type": string(b.Type), "audiences": fmt.Sprint(b.AudienceIDs),
				"rules": fmt.Sprint(b.RuleIDs), "dates": b.FromDate + " – " + b.ToDate, "content": b.Content})
	})
	if err != nil {
		return b, removed, err
	}
	s.changed()
	return b, removed, nil
}

func fkError(err error, field, msg string) error {
	if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		return validation.Errors{field: msg}
	}
	return err
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Blocks returns every block with its audiences, store content and rules, by id.
func (s *Service) Blocks(ctx context.Context) ([]Block, error) {
	return s.blocks(ctx, nil)
}

// Block returns one block.
func (s *Service) Block(ctx context.Context, id int64) (Block, error) {
	bs, err := s.blocks(ctx, []int64{id})
	if err != nil {
		return Block{}, err
	}
	if len(bs) == 0 {
		return Block{}, ErrNotFound
	}
	return bs[0], nil
}

func (s *Service) blocks(ctx context.Context, ids []int64) ([]Block, error) {
	g := s.db.WithContext(ctx)
	q := g.Order("id")
	if ids != nil {
		q = q.Where("id IN ?", ids)
	}
	var rows []blockRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Block, len(rows))
	pos := map[int64]int{}
	for i, r := range rows {
		out[i] = Block{ID: r.ID, Name: r.Name, Enabled: r.IsEnabled, Type: BlockType(r.BlockType), Content: r.Content,
			FromDate: r.FromDate, ToDate: r.ToDate, Version: r.Version, UpdatedAt: r.UpdatedAt, StoreContent: map[int64]string{}}
		pos[r.ID] = i
	}
	var pairs []struct{ BlockID, OtherID int64 }
	if err := g.Raw("SELECT block_id, audience_id AS other_id FROM dynamic_block_audiences ORDER BY audience_id").Scan(&pairs).Error; err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if i, ok := pos[p.BlockID]; ok {
			out[i].AudienceIDs = append(out[i].AudienceIDs, p.OtherID)
		}
	}
	pairs = nil
	if err := g.Raw("SELECT block_id, rule_id AS other_id FROM dynamic_block_rules ORDER BY rule_id").Scan(&pairs).Error; err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if i, ok := pos[p.BlockID]; ok {
			out[i].RuleIDs = append(out[i].RuleIDs, p.OtherID)
		}
	}
	var contents []struct {
		BlockID, StoreViewID int64
		Content              string
	}
	if err := g.Raw("SELECT block_id, store_view_id, content FROM dynamic_block_contents").Scan(&contents).Error; err != nil {
		return nil, err
	}
	for _, c := range contents {
		if i, ok := pos[c.BlockID]; ok {
			out[i].StoreContent[c.StoreViewID] = c.Content
		}
	}
	return out, nil
}

// DeleteBlocks removes blocks (and their place in placements).
func (s *Service) DeleteBlocks(ctx context.Context, actor audit.Actor, ids []int64) (int, error) {
	n := 0
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		for _, id := range uniq(ids) {
			var row blockRow
			if err := tx.First(&row, id).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					continue
				}
				return err
			}
			if err := tx.Delete(&blockRow{}, id).Error; err != nil {
				return err
			}
			if s.usage != nil {
				if _, err := s.usage.SetUsage(ctx, tx, "block", id, row.Name, nil); err != nil {
					return err
				}
			}
			if err := s.log.Record(ctx, tx, actor, audit.ActionBlockDelete, "dynamic_block", fmt.Sprint(id), fmt.Sprintf("Dynamic block %q deleted", row.Name), nil, nil); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		s.changed()
	}
	return n, err
}

// SetEnabled enables or disables blocks.
func (s *Service) SetEnabled(ctx context.Context, actor audit.Actor, ids []int64, enabled bool) (int, error) {
	var n int64
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&blockRow{}).Where("id IN ? AND is_enabled <> ?", uniq(ids), enabled).
			Updates(map[string]any{"is_enabled": enabled, "version": gorm.Expr("version + 1"), "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return s.log.Record(ctx, tx, actor, audit.ActionBlockSave, "dynamic_block", fmt.Sprint(ids), fmt.Sprintf("%d dynamic block(s) enabled=%v", n, enabled), nil, nil)
	})
	if err == nil && n > 0 {
		s.changed()
	}
	return int(n), err
}

// ValidatePlacement checks a placement.
func ValidatePlacement(p *Placement) validation.Errors {
	ve := validation.Errors{}
	p.Title = strings.TrimSpace(p.Title)
	if p.Title == "" || len(p.Title) > 255 || !validation.IsText(p.Title, false) {
		ve.Add("title", "Enter a title of at most 255 characters.")
	}
	p.Location = strings.TrimSpace(p.Location)
	if !LocationRe.MatchString(p.Location) {
		ve.Add("location", "Choose a location, or name one with lowercase letters, digits, dots, dashes or underscores.")
	}
	if p.Display != DisplaySpecified && p.Display != DisplayRuleRelated {
		ve.Add("display", "Choose which blocks to display.")
	}
	switch p.Rotation {
	case RotateAll, RotateRandom, RotateSeries, RotateShuffle:
	default:
		ve.Add("rotation", "Choose a rotation mode.")
	}
	switch p.RestrictType {
	case "", TypeAny, TypeContent, TypeHeader, TypeFooter, TypeLeft, TypeRight:
	default:
		ve.Add("restrict_type", "Choose a block type.")
	}
	if p.Display == DisplaySpecified && len(p.Blocks) == 0 {
		ve.Add("blocks", "Choose at least one block, or display the blocks related to the cart's price rules.")
	}
	return ve
}

// SavePlacement validates and creates or updates a placement (optimistic locking).
func (s *Service) SavePlacement(ctx context.Context, actor audit.Actor, p Placement) (Placement, error) {
	if ve := ValidatePlacement(&p); len(ve) > 0 {
		return p, ve
	}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		row := placementRow{ID: p.ID, Title: p.Title, Location: p.Location, DisplayMode: string(p.Display), Rotation: string(p.Rotation),
			RestrictType: string(p.RestrictType), UpdatedAt: s.now()}
		if p.ID == 0 {
			row.CreatedAt, row.Version = row.UpdatedAt, 1
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		} else {
			row.Version = p.Version + 1
			res := tx.Model(&placementRow{}).Where("id = ? AND version = ?", p.ID, p.Version).Select("*").Omit("id", "created_at").Updates(&row)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrConflict
			}
		}
		p.ID, p.Version = row.ID, row.Version
		for _, q := range []string{"DELETE FROM block_placement_store_views WHERE placement_id = ?", "DELETE FROM block_placement_blocks WHERE placement_id = ?"} {
			if err := tx.Exec(q, p.ID).Error; err != nil {
				return err
			}
		}
		for _, sv := range uniq(p.StoreViewIDs) {
			if err := tx.Exec("INSERT INTO block_placement_store_views (placement_id, store_view_id) VALUES (?, ?)", p.ID, sv).Error; err != nil {
				return fkError(err, "store_view_ids", "Choose store views that exist.")
			}
		}
		seen := map[int64]bool{}
		for _, b := range p.Blocks {
			if seen[b.BlockID] {
				continue
			}
			seen[b.BlockID] = true
			if err := tx.Exec("INSERT INTO block_placement_blocks (placement_id, block_id, sort_order) VALUES (?, ?, ?)", p.ID, b.BlockID, b.SortOrder).Error; err != nil {
				return fkError(err, "blocks", "Choose blocks that exist.")
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionPlacementSave, "placement", fmt.Sprint(p.ID), fmt.Sprintf("Block placement %q saved", p.Title), nil,
			map[string]string{"title": p.Title, "location": p.Location, "display": string(p.Display), "rotation": string(p.Rotation), "blocks": fmt.Sprint(p.Blocks)})
	})
	if err != nil {
		return p, err
	}
	s.changed()
	return p, nil
}

// Placements returns every placement with its store views and blocks.
func (s *Service) Placements(ctx context.Context) ([]Placement, error) {
	g := s.db.WithContext(ctx)
	var rows []placementRow
	if err := g.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Placement, len(rows))
	pos := map[int64]int{}
	for i, r := range rows {
		out[i] = Placement{ID: r.ID, Title: r.Title, Location: r.Location, Display: DisplayMode(r.DisplayMode), Rotation: Rotation(r.Rotation),
			RestrictType: BlockType(r.RestrictType), Version: r.Version, UpdatedAt: r.UpdatedAt}
		pos[r.ID] = i
	}
	var svs []struct{ PlacementID, StoreViewID int64 }
	if err := g.Raw("SELECT placement_id, store_view_id FROM block_placement_store_views ORDER BY store_view_id").Scan(&svs).Error; err != nil {
		return nil, err
	}
	for _, v := range svs {
		out[pos[v.PlacementID]].StoreViewIDs = append(out[pos[v.PlacementID]].StoreViewIDs, v.StoreViewID)
	}
	var pbs []struct {
		PlacementID, BlockID int64
		SortOrder            int
	}
	if err := g.Raw("SELECT placement_id, block_id, sort_order FROM block_placement_blocks ORDER BY sort_order, block_id").Scan(&pbs).Error; err != nil {
		return nil, err
	}
	for _, b := range pbs {
		out[pos[b.PlacementID]].Blocks = append(out[pos[b.PlacementID]].Blocks, PlacementBlock{BlockID: b.BlockID, SortOrder: b.SortOrder})
	}
	return out, nil
}

// Placement returns one placement.
func (s *Service) Placement(ctx context.Context, id int64) (Placement, error) {
	ps, err := s.Placements(ctx)
	if err != nil {
		return Placement{}, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return Placement{}, ErrNotFound
}

// Snapshot builds a snapshot of every block and placement.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	bs, err := s.Blocks(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.Placements(ctx)
	if err != nil {
		return nil, err
	}
	return NewSnapshot(bs, ps), nil
}
