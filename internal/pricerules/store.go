package pricerules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("pricerules: rule not found")
	// ErrConflict means someone else saved the rule since it was opened: nothing was
	// overwritten, and the editor offers to reload.
	ErrConflict = errors.New("pricerules: the rule was changed by someone else")
)

// AudienceUsage records which audiences a rule names, for the audiences dashboard. The
// audiences package implements it; cmd wires it in.
type AudienceUsage interface {
	// SetUsage records the audiences a rule names and returns the ids that are not audiences.
	SetUsage(ctx context.Context, tx *gorm.DB, kind string, entityID int64, entityName string, audienceIDs []int64) (missing []int64, err error)
}

type ruleRow struct {
	ID               int64
	Code             *string
	Name             string
	Description      string
	IsActive         bool
	CouponType       string
	CouponCode       *string
	UsesPerCoupon    int
	UsesPerCustomer  int
	FromDate         string
	ToDate           string
	Priority         int
	StopFurther      bool
	Conditions       string
	ActionConditions string
	Action           string
	Amount           int64
	MaxQty           int
	Step             int
	ApplyToShipping  bool
	FreeShipping     string
	DefaultLabel     string
	TimesUsed        int
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (ruleRow) TableName() string { return "price_rules" }

type couponRow struct {
	ID               int64
	RuleID           int64
	Code             string
	CodeKey          string
	UsageLimit       int
	UsagePerCustomer int
	TimesUsed        int
	Generated        bool
	CreatedAt        time.Time
}

func (couponRow) TableName() string { return "coupons" }

// Service stores cart price rules and their coupons.
type Service struct {
	db    *gorm.DB
	log   *audit.Log
	usage AudienceUsage
	now   func() time.Time
	// OnChange is called after every committed change, to rebuild the snapshot.
	OnChange func()
	// WebsiteNames lists the websites in display order, for the grid's Websites column
	// (the stores domain owns them); nil leaves the column empty.
	WebsiteNames func(ctx context.Context) ([]WebsiteName, error)
}

// NewService returns a Service on d.
func NewService(d *db.DB, log *audit.Log, usage AudienceUsage) *Service {
	return &Service{db: d.DB, log: log, usage: usage, now: func() time.Time { return time.Now().UTC() }}
}

func toRow(r *Rule) (ruleRow, error) {
	cond, err := json.Marshal(r.Conditions)
	if err != nil {
		return ruleRow{}, err
	}
	act, err := json.Marshal(r.ActionConditions)
	if err != nil {
		return ruleRow{}, err
	}
	row := ruleRow{ID: r.ID, Name: r.Name, Description: r.Description, IsActive: r.Active, CouponType: string(r.CouponType),
		UsesPerCoupon: r.UsesPerCoupon, UsesPerCustomer: r.UsesPerCustomer, FromDate: r.FromDate, ToDate: r.ToDate,
		Priority: r.Priority, StopFurther: r.StopFurther, Conditions: string(cond), ActionConditions: string(act),
		Action: string(r.Action), Amount: r.Amount, MaxQty: r.MaxQty, Step: r.Step, ApplyToShipping: r.ApplyToShipping,
		FreeShipping: string(r.FreeShipping), DefaultLabel: r.DefaultLabel, TimesUsed: r.TimesUsed, Version: r.Version}
	if r.CouponType == CouponSpecific {
		code := r.CouponCode
		row.CouponCode = &code
	}
	if r.Code != "" {
		code := r.Code
		row.Code = &code
	}
	return row, nil
}

func fromRow(row ruleRow) (Rule, error) {
	r := Rule{ID: row.ID, Name: row.Name, Description: row.Description, Active: row.IsActive, CouponType: CouponType(row.CouponType),
		UsesPerCoupon: row.UsesPerCoupon, UsesPerCustomer: row.UsesPerCustomer, FromDate: row.FromDate, ToDate: row.ToDate,
		Priority: row.Priority, StopFurther: row.StopFurther, Action: ActionType(row.Action), Amount: row.Amount, MaxQty: row.MaxQty,
		Step: row.Step, ApplyToShipping: row.ApplyToShipping, FreeShipping: FreeShipping(row.FreeShipping), DefaultLabel: row.DefaultLabel,
		TimesUsed: row.TimesUsed, Version: row.Version, UpdatedAt: row.UpdatedAt, Labels: map[int64]string{}}
	if row.CouponCode != nil {
		r.CouponCode = *row.CouponCode
	}
	if row.Code != nil {
		r.Code = *row.Code
	}
	if err := json.Unmarshal([]byte(row.Conditions), &r.Conditions); err != nil {
		return r, fmt.Errorf("rule %d conditions: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.ActionConditions), &r.ActionConditions); err != nil {
		return r, fmt.Errorf("rule %d action conditions: %w", row.ID, err)
	}
	return r, nil
}

// load fills websites, groups and labels of rules (by id).
func (s *Service) load(ctx context.Context, rows []ruleRow) ([]Rule, error) {
	out := make([]Rule, 0, len(rows))
	byID := map[int64]int{}
	ids := make([]int64, 0, len(rows))
	for _, row := range rows {
		r, err := fromRow(row)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = len(out)
		ids = append(ids, r.ID)
		out = append(out, r)
	}
	if len(ids) == 0 {
		return out, nil
	}
	g := s.db.WithContext(ctx)
	var pairs []struct{ RuleID, OtherID int64 }
	if err := g.Raw("SELECT rule_id, website_id AS other_id FROM price_rule_websites WHERE rule_id IN ? ORDER BY website_id", ids).Scan(&pairs).Error; err != nil {
		return nil, err
	}
	for _, p := range pairs {
		out[byID[p.RuleID]].WebsiteIDs = append(out[byID[p.RuleID]].WebsiteIDs, p.OtherID)
	}
	pairs = nil
	if err := g.Raw("SELECT rule_id, customer_group_id AS other_id FROM price_rule_customer_groups WHERE rule_id IN ? ORDER BY customer_group_id", ids).Scan(&pairs).Error; err != nil {
		return nil, err
	}
	for _, p := range pairs {
		out[byID[p.RuleID]].CustomerGroupIDs = append(out[byID[p.RuleID]].CustomerGroupIDs, p.OtherID)
	}
	var labels []struct {
		RuleID, StoreViewID int64
		Label               string
	}
	if err := g.Raw("SELECT rule_id, store_view_id, label FROM price_rule_labels WHERE rule_id IN ?", ids).Scan(&labels).Error; err != nil {
		return nil, err
	}
	for _, l := range labels {
		out[byID[l.RuleID]].Labels[l.StoreViewID] = l.Label
	}
	return out, nil
}

// Get returns one rule.
func (s *Service) Get(ctx context.Context, id int64) (Rule, error) {
	var row ruleRow
	if err := s.db.WithContext(ctx).First(&row, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Rule{}, ErrNotFound
		}
		return Rule{}, err
	}
	rs, err := s.load(ctx, []ruleRow{row})
	if err != nil {
		return Rule{}, err
	}
	return rs[0], nil
}

// All returns every rule and every coupon: what a snapshot is built from.
func (s *Service) All(ctx context.Context) ([]Rule, []Coupon, error) {
	var rows []ruleRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	rules, err := s.load(ctx, rows)
	if err != nil {
		return nil, nil, err
	}
	var crow []couponRow
	if err := s.db.WithContext(ctx).Order("id").Find(&crow).Error; err != nil {
		return nil, nil, err
	}
	coupons := make([]Coupon, len(crow))
	for i, c := range crow {
		coupons[i] = Coupon{Code: c.Code, RuleID: c.RuleID, UsageLimit: c.UsageLimit, UsagePerCustomer: c.UsagePerCustomer, TimesUsed: c.TimesUsed}
	}
	return rules, coupons, nil
}

// Snapshot builds a snapshot of every rule and coupon.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	rules, coupons, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	return NewSnapshot(rules, coupons)
}

// Save validates and creates (ID 0) or updates a rule. An update carries the version the
// editor loaded; when the stored rule has moved on, ErrConflict and nothing is written.
func (s *Service) Save(ctx context.Context, actor audit.Actor, r Rule) (Rule, error) {
	if ve := Validate(&r); len(ve) > 0 {
		return r, ve
	}
	var before *Rule
	if r.ID != 0 {
		old, err := s.Get(ctx, r.ID)
		if err != nil {
			return r, err
		}
		before = &old
		r.TimesUsed = old.TimesUsed
	}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error { return s.saveTx(ctx, tx, actor, &r, before) })
	if err != nil {
		return r, err
	}
	s.changed()
	return r, nil
}

// saveTx writes a validated rule inside tx: its row (version-checked on update), links,
// specific coupon, audience usage and action log entry.
func (s *Service) saveTx(ctx context.Context, tx *gorm.DB, actor audit.Actor, rp *Rule, before *Rule) error {
	r := *rp
	defer func() { *rp = r }()
	row, err := toRow(&r)
	if err != nil {
		return err
	}
	now := s.now()
	row.UpdatedAt = now
	if r.Code != "" {
		var other int64
		if err := tx.Raw("SELECT COUNT(*) FROM price_rules WHERE code = ? AND id <> ?", r.Code, r.ID).Scan(&other).Error; err != nil {
			return err
		}
		if other > 0 {
			return validation.Errors{"code": "Another rule has this code."}
		}
	}
	if r.ID == 0 {
		row.CreatedAt, row.Version = now, 1
		if err := tx.Create(&row).Error; err != nil {
			return s.saveError(err)
		}
		if r.Code == "" {
			// A stable code for rules files; ids are unique, so it is too.
			r.Code = fmt.Sprintf("rule-%d", row.ID)
			if err := tx.Exec("UPDATE price_rules SET code = ? WHERE id = ?", r.Code, row.ID).Error; err != nil {
				return s.saveError(err)
			}
		}
	} else {
		row.Version = r.Version + 1
		omit := []string{"id", "created_at", "times_used"}
		if r.Code == "" {
			omit = append(omit, "code") // an editor that does not show the code keeps it
		}
		res := tx.Model(&ruleRow{}).Where("id = ? AND version = ?", r.ID, r.Version).
			Select("*").Omit(omit...).Updates(&row)
		if res.Error != nil {
			return s.saveError(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrConflict
		}
	}
	r.ID, r.Version, r.UpdatedAt = row.ID, row.Version, now
	if err := s.writeLinks(tx, &r); err != nil {
		return err
	}
	if s.usage != nil {
		missing, err := s.usage.SetUsage(ctx, tx, "rule", r.ID, r.Name, uniq(AudienceIDs(r.Conditions)))
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return validation.Errors{"conditions": fmt.Sprintf("Check the conditions: audience %d is not an audience of this store.", missing[0])}
		}
	}
	var b any
	if before != nil {
		b = auditView(before)
	}
	return s.log.Record(ctx, tx, actor, audit.ActionRuleSave, "price_rule", fmt.Sprint(r.ID),
		fmt.Sprintf("Cart price rule %q saved", r.Name), b, auditView(&r))
}

func (s *Service) changed() {
	if s.OnChange != nil {
		s.OnChange()
	}
}

func (s *Service) saveError(err error) error {
	if db.IsUniqueViolation(err) {
		// SQLite names the column (price_rules.code), PostgreSQL the index (price_rules_code).
		if msg := err.Error(); strings.Contains(msg, "price_rules.code") || strings.Contains(msg, "price_rules_code") {
			return validation.Errors{"code": "Another rule has this code."}
		}
		return validation.Errors{"coupon_code": "Another rule has this coupon code."}
	}
	return err
}

func (s *Service) writeLinks(tx *gorm.DB, r *Rule) error {
	for _, q := range []string{"DELETE FROM price_rule_websites WHERE rule_id = ?", "DELETE FROM price_rule_customer_groups WHERE rule_id = ?", "DELETE FROM price_rule_labels WHERE rule_id = ?"} {
		if err := tx.Exec(q, r.ID).Error; err != nil {
			return err
		}
	}
	for _, w := range uniq(r.WebsiteIDs) {
		if err := tx.Exec("INSERT INTO price_rule_websites (rule_id, website_id) VALUES (?, ?)", r.ID, w).Error; err != nil {
			return linkError(err, "website_ids", "Choose websites that exist.")
		}
	}
	for _, g := range uniq(r.CustomerGroupIDs) {
		if err := tx.Exec("INSERT INTO price_rule_customer_groups (rule_id, customer_group_id) VALUES (?, ?)", r.ID, g).Error; err != nil {
			return linkError(err, "customer_group_ids", "Choose customer groups that exist.")
		}
	}
	for sv, l := range r.Labels {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if err := tx.Exec("INSERT INTO price_rule_labels (rule_id, store_view_id, label) VALUES (?, ?, ?)", r.ID, sv, l).Error; err != nil {
			return linkError(err, "labels", "A label names a store view that does not exist.")
		}
	}
	// A specific coupon is also a coupon row, which carries its usage: it is kept (with its
	// usage) across saves, and follows the rule's code and limits.
	switch r.CouponType {
	case CouponSpecific:
		if err := tx.Exec("DELETE FROM coupons WHERE rule_id = ? AND generated = ?", r.ID, true).Error; err != nil {
			return err
		}
		var existing couponRow
		err := tx.Where("rule_id = ? AND generated = ?", r.ID, false).First(&existing).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			existing = couponRow{RuleID: r.ID, CreatedAt: time.Now().UTC()}
		case err != nil:
			return err
		}
		existing.Code, existing.CodeKey = r.CouponCode, strings.ToLower(r.CouponCode)
		existing.UsageLimit, existing.UsagePerCustomer = r.UsesPerCoupon, r.UsesPerCustomer
		if err := tx.Save(&existing).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return validation.Errors{"coupon_code": "Another rule has this coupon code."}
			}
			return err
		}
	case CouponAuto:
		if err := tx.Exec("DELETE FROM coupons WHERE rule_id = ? AND generated = ?", r.ID, false).Error; err != nil {
			return err
		}
		// Generated codes follow the rule's limits, as they do in Magento.
		if err := tx.Exec("UPDATE coupons SET usage_limit = ?, usage_per_customer = ? WHERE rule_id = ?", r.UsesPerCoupon, r.UsesPerCustomer, r.ID).Error; err != nil {
			return err
		}
	default:
		if err := tx.Exec("DELETE FROM coupons WHERE rule_id = ?", r.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

func linkError(err error, field, msg string) error {
	if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		return validation.Errors{field: msg}
	}
	return err
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func auditView(r *Rule) map[string]string {
	cond, _ := json.Marshal(r.Conditions)
	act, _ := json.Marshal(r.ActionConditions)
	return map[string]string{"name": r.Name, "active": fmt.Sprint(r.Active), "websites": fmt.Sprint(r.WebsiteIDs),
		"customer_groups": fmt.Sprint(r.CustomerGroupIDs), "coupon": string(r.CouponType) + " " + r.CouponCode,
		"dates": r.FromDate + " – " + r.ToDate, "priority": fmt.Sprint(r.Priority), "stop_further": fmt.Sprint(r.StopFurther),
		"conditions": Describe(r.Conditions), "conditions_json": string(cond), "action_conditions": string(act),
		"action": fmt.Sprintf("%s %d (max qty %d, step %d, shipping %v, free shipping %s)", r.Action, r.Amount, r.MaxQty, r.Step, r.ApplyToShipping, r.FreeShipping),
		"label":  r.DefaultLabel}
}

// Delete removes rules (their coupons and usage go with them).
func (s *Service) Delete(ctx context.Context, actor audit.Actor, ids []int64) (int, error) {
	n := 0
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		for _, id := range uniq(ids) {
			var row ruleRow
			if err := tx.First(&row, id).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					continue
				}
				return err
			}
			if err := tx.Delete(&ruleRow{}, id).Error; err != nil {
				return err
			}
			if s.usage != nil {
				if _, err := s.usage.SetUsage(ctx, tx, "rule", id, row.Name, nil); err != nil {
					return err
				}
			}
			if err := s.log.Record(ctx, tx, actor, audit.ActionRuleDelete, "price_rule", fmt.Sprint(id),
				fmt.Sprintf("Cart price rule %q deleted", row.Name), map[string]string{"name": row.Name}, nil); err != nil {
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

// SetActive activates or deactivates rules; each is a new version.
func (s *Service) SetActive(ctx context.Context, actor audit.Actor, ids []int64, active bool) (int, error) {
	var n int64
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&ruleRow{}).Where("id IN ? AND is_active <> ?", uniq(ids), active).
			Updates(map[string]any{"is_active": active, "version": gorm.Expr("version + 1"), "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		what := "deactivated"
		if active {
			what = "activated"
		}
		return s.log.Record(ctx, tx, actor, audit.ActionRuleSave, "price_rule", fmt.Sprint(ids),
			fmt.Sprintf("%d cart price rule(s) %s", n, what), nil, map[string]string{"active": fmt.Sprint(active), "ids": fmt.Sprint(ids)})
	})
	if err == nil && n > 0 {
		s.changed()
	}
	return int(n), err
}

// Duplicate copies a rule as a new, inactive rule without coupon code or usage.
func (s *Service) Duplicate(ctx context.Context, actor audit.Actor, id int64) (Rule, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Rule{}, err
	}
	r.ID, r.Version, r.TimesUsed, r.Active, r.Code = 0, 0, 0, false, ""
	r.Name = truncate(r.Name+" (copy)", 255)
	if r.CouponType == CouponSpecific {
		r.CouponCode = truncate(r.CouponCode, 240) + "-COPY-" + randomCode(GenerateSpec{Length: 6, Format: "alphanumeric"})
	}
	return s.Save(ctx, actor, r)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
