package pricerules

import (
	"context"
	"errors"
	"strings"

	"audienceactivation/internal/db"

	"gorm.io/gorm"
)

// Usage errors, worded for the shopper.
var (
	ErrCouponUsedUp         = errors.New("The coupon code has been used the maximum number of times.")
	ErrCouponUsedByCustomer = errors.New("You have used this coupon code the maximum number of times.")
	ErrRuleUsedByCustomer   = errors.New("A discount in your cart has reached its limit for your account; review your cart.")
)

// RecordUse counts one order's use of the applied rules and of its coupon in the
// transaction ctx carries (db.InTx: the order's own). Each count is a conditional update, so
// under concurrent orders a coupon limited to N uses is used exactly N times; an order that
// would go over gets an error and the caller rolls back. usedUp reports that the coupon
// reached its limit (the snapshot should be rebuilt so carts stop offering it).
func (s *Service) RecordUse(ctx context.Context, customerID int64, coupon string, applied []Rule) (usedUp bool, err error) {
	tx := db.Conn(ctx, s.db)
	for _, r := range applied {
		if err := tx.Exec("UPDATE price_rules SET times_used = times_used + 1 WHERE id = ?", r.ID).Error; err != nil {
			return false, err
		}
		if customerID == 0 {
			continue
		}
		ok, err := bump(tx, "price_rule_customer_usage", "rule_id", r.ID, customerID, r.UsesPerCustomer)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, ErrRuleUsedByCustomer
		}
	}
	if coupon == "" {
		return false, nil
	}
	var c couponRow
	if err := tx.Where("code_key = ?", strings.ToLower(strings.TrimSpace(coupon))).First(&c).Error; err != nil {
		return false, err
	}
	res := tx.Exec("UPDATE coupons SET times_used = times_used + 1 WHERE id = ? AND (usage_limit = 0 OR times_used < usage_limit)", c.ID)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return true, ErrCouponUsedUp
	}
	if customerID != 0 {
		ok, err := bump(tx, "coupon_usage", "coupon_id", c.ID, customerID, c.UsagePerCustomer)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, ErrCouponUsedByCustomer
		}
	}
	var used int
	if err := tx.Raw("SELECT times_used FROM coupons WHERE id = ?", c.ID).Scan(&used).Error; err != nil {
		return false, err
	}
	return c.UsageLimit > 0 && used >= c.UsageLimit, nil
}

// bump counts one use by a customer in table (keyed by col and customer_id), unless limit
// (> 0) is reached; it reports whether the use was counted.
func bump(tx *gorm.DB, table, col string, id, customerID int64, limit int) (bool, error) {
	if err := tx.Exec("INSERT INTO "+table+" ("+col+", customer_id, times_used) VALUES (?, ?, 0) ON CONFLICT DO NOTHING", id, customerID).Error; err != nil {
		return false, err
	}
	res := tx.Exec("UPDATE "+table+" SET times_used = times_used + 1 WHERE "+col+" = ? AND customer_id = ? AND (? = 0 OR times_used < ?)", id, customerID, limit, limit)
	return res.RowsAffected == 1, res.Error
}

// CustomerUses is what a customer has used so far: times per rule id and per coupon code
// key (lower case), for the engine's "uses per customer" limits.
func (s *Service) CustomerUses(ctx context.Context, customerID int64) (rules map[int64]int, coupons map[string]int, err error) {
	var rs []struct {
		RuleID    int64
		TimesUsed int
	}
	g := db.Conn(ctx, s.db)
	if err := g.Raw("SELECT rule_id, times_used FROM price_rule_customer_usage WHERE customer_id = ?", customerID).Scan(&rs).Error; err != nil {
		return nil, nil, err
	}
	var cs []struct {
		CodeKey   string
		TimesUsed int
	}
	if err := g.Raw("SELECT c.code_key, u.times_used FROM coupon_usage u JOIN coupons c ON c.id = u.coupon_id WHERE u.customer_id = ?", customerID).Scan(&cs).Error; err != nil {
		return nil, nil, err
	}
	rules, coupons = make(map[int64]int, len(rs)), make(map[string]int, len(cs))
	for _, r := range rs {
		rules[r.RuleID] = r.TimesUsed
	}
	for _, c := range cs {
		coupons[c.CodeKey] = c.TimesUsed
	}
	return rules, coupons, nil
}

// ChangeMarker summarises the rules and coupons as stored: it changes whenever a change
// would change the rule snapshot, so other instances sharing the database rebuild theirs.
func (s *Service) ChangeMarker(ctx context.Context) (string, error) {
	return db.Marker(ctx, s.db,
		"SELECT COUNT(*) AS n, COALESCE(CAST(MAX(updated_at) AS TEXT), '') || '/' || CAST(COALESCE(SUM(version), 0) AS TEXT) AS m FROM price_rules",
		"SELECT COUNT(*) AS n, CAST(COALESCE(SUM(times_used), 0) AS TEXT) || '/' || CAST(COALESCE(MAX(id), 0) AS TEXT) AS m FROM coupons")
}
