package pricerules

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"audienceactivation/internal/money"
	"audienceactivation/internal/validation"
)

// reRuleCode is the form of a rule's stable code.
var reRuleCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks a rule as the editor and import do, returning messages by field.
func Validate(r *Rule) validation.Errors {
	ve := validation.Errors{}
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		ve.Add("name", "Enter a rule name.")
	case len(r.Name) > 255 || !validation.IsText(r.Name, false):
		ve.Add("name", "Use at most 255 characters of plain text.")
	}
	if r.Code = strings.TrimSpace(r.Code); r.Code != "" && !reRuleCode.MatchString(r.Code) {
		ve.Add("code", "Use 1 to 64 lowercase letters, digits, - or _, starting with a letter or digit.")
	}
	if !validation.IsText(r.Description, true) || len(r.Description) > 64<<10 {
		ve.Add("description", "Use plain text, at most 64 KiB.")
	}
	if len(r.WebsiteIDs) == 0 {
		ve.Add("website_ids", "Choose at least one website.")
	}
	if len(r.CustomerGroupIDs) == 0 {
		ve.Add("customer_group_ids", "Choose at least one customer group.")
	}
	switch r.CouponType {
	case CouponNone, "":
		r.CouponType, r.CouponCode = CouponNone, ""
	case CouponSpecific:
		r.CouponCode = strings.TrimSpace(r.CouponCode)
		if r.CouponCode == "" {
			ve.Add("coupon_code", "Enter the coupon code, or choose No Coupon.")
		} else if len(r.CouponCode) > 255 || !validation.IsText(r.CouponCode, false) || strings.ContainsAny(r.CouponCode, " \t") {
			ve.Add("coupon_code", "Use at most 255 characters without spaces.")
		}
	case CouponAuto:
		r.CouponCode = ""
	default:
		ve.Add("coupon_type", "Choose No Coupon, Specific Coupon or Auto.")
	}
	if r.UsesPerCoupon < 0 {
		ve.Add("uses_per_coupon", "Enter 0 (unlimited) or more.")
	}
	if r.UsesPerCustomer < 0 {
		ve.Add("uses_per_customer", "Enter 0 (unlimited) or more.")
	}
	var from, to time.Time
	var err error
	if r.FromDate != "" {
		if from, err = time.Parse("2006-01-02", r.FromDate); err != nil {
			ve.Add("from_date", "Use a date such as 2026-12-01.")
		}
	}
	if r.ToDate != "" {
		if to, err = time.Parse("2006-01-02", r.ToDate); err != nil {
			ve.Add("to_date", "Use a date such as 2026-12-31.")
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		ve.Add("to_date", "The end date is before the start date.")
	}
	if r.Priority < 0 || r.Priority > 1_000_000 {
		ve.Add("priority", "Enter a priority from 0 (first) to 1000000.")
	}
	switch r.Action {
	case ByPercent:
		if r.Amount < 0 || r.Amount > 10000 {
			ve.Add("amount", "A percent discount is between 0 and 100.")
		}
	case ByFixed, CartFixed:
		if r.Amount < 0 {
			ve.Add("amount", "Enter an amount of 0 or more.")
		}
	case BuyXGetY:
		if r.Amount < 1 {
			ve.Add("amount", "Enter how many items are free (Y), at least 1.")
		}
		if r.Step < 1 {
			ve.Add("step", "Enter how many items must be bought (X), at least 1.")
		}
	default:
		ve.Add("action", "Choose how the discount applies.")
	}
	if r.MaxQty < 0 {
		ve.Add("max_qty", "Enter 0 (no maximum) or more.")
	}
	if r.Step < 0 {
		ve.Add("step", "Enter 0 (no step) or more.")
	}
	switch r.FreeShipping {
	case FreeShippingNo, FreeShippingMatching, FreeShippingWhole:
	case "":
		r.FreeShipping = FreeShippingNo
	default:
		ve.Add("free_shipping", "Choose a free shipping option.")
	}
	if len(r.DefaultLabel) > 255 || !validation.IsText(r.DefaultLabel, false) {
		ve.Add("default_label", "Use at most 255 characters of plain text.")
	}
	for sv, l := range r.Labels {
		if len(l) > 255 || !validation.IsText(l, false) {
			ve.Add(fmt.Sprintf("label_%d", sv), "Use at most 255 characters of plain text.")
		}
	}
	if err := ValidateConditions(r.Conditions, false); err != nil {
		ve.Add("conditions", conditionMessage(err))
	}
	if err := ValidateConditions(r.ActionConditions, true); err != nil {
		ve.Add("action_conditions", conditionMessage(err))
	}
	return ve
}

func conditionMessage(err error) string {
	msg := err.Error()
	if errors.Is(err, ErrInvalidCondition) {
		msg = strings.TrimPrefix(msg, ErrInvalidCondition.Error()+": ")
	}
	return "Check the conditions: " + msg + "."
}

// AudienceIDs lists the audiences a conditions tree names, anywhere in it.
func AudienceIDs(c Condition) []int64 {
	var out []int64
	var walk func(Condition)
	walk = func(c Condition) {
		if c.Kind == KindAudience {
			for _, v := range c.Values {
				var id int64
				if _, err := fmt.Sscan(strings.TrimSpace(v), &id); err == nil && id > 0 {
					out = append(out, id)
				}
			}
		}
		for _, ch := range c.Conditions {
			walk(ch)
		}
	}
	walk(c)
	return out
}

// MaxValues is the most values one condition may list.
const MaxValues = 500

// FormatAmount shows a rule's amount as merchants type it: a percent ("12.5"), money
// ("5.00") or, for buy X get Y, the number of free items ("1").
func FormatAmount(action ActionType, amount int64) string {
	switch action {
	case BuyXGetY:
		return strconv.FormatInt(amount, 10)
	case ByPercent:
		return strconv.FormatFloat(float64(amount)/100, 'f', -1, 64)
	}
	return money.Format(amount)
}

// ParseAmount reads FormatAmount's text back into engine units.
func ParseAmount(action ActionType, text string) (int64, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, nil
	}
	if action == BuyXGetY {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return 0, errors.New("enter how many items are free, a whole number")
		}
		return n, nil
	}
	// A percent is held in hundredths, as money is in minor units: one decimal reader.
	n, err := money.Parse(text)
	if err != nil {
		return 0, errors.New("enter a number, such as 10 or 5.99")
	}
	return n, nil
}
