package pricerules

import (
	"errors"
	"strings"

	"gorm.io/gorm"
)

// Usage errors, worded for the shopper.
var (
	ErrCouponUsedUp         = errors.New("The coupon code has been used the maximum number of times.")
	ErrCouponUsedByCustomer = errors.New("You have used this coupon code the maximum number of times.")
	ErrRuleUsedByCustomer   = errors.New("A discount in your cart has reached its limit for your account; review your cart.")
)

// RecordUse counts one order's use of the applied rules and of its coupon inside tx, the
// order's own transaction. Each count is a conditional update, so under concurrent orders
// a coupon limited to N uses is used exactly N times; an order that would go over gets an
// error and the caller rolls back. usedUp reports that the coupon reached its limit (the
// snapshot should be rebuilt so carts stop offering it).
func RecordUse(tx *gorm.DB, customerID int64, coupon string, applied []Rule) (usedUp bool, err error) {
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
