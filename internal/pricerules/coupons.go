package pricerules

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// GenerateSpec is the coupon generator's form.
type GenerateSpec struct {
	Qty       int
	Length    int
	Format    string // alphanumeric, alphabetic or numeric
	Prefix    string
	Suffix    string
	DashEvery int // 0: no dashes
}

var affixRe = regexp.MustCompile(`^[A-Za-z0-9_-]{0,32}$`)

// Alphabets of the generator; letters that read alike (0/O, 1/I/L) are left out.
var alphabets = map[string]string{
	"alphanumeric": "ABCDEFGHJKMNPQRSTUVWXYZ23456789",
	"alphabetic":   "ABCDEFGHJKMNPQRSTUVWXYZ",
	"numeric":      "0123456789",
}

// ErrNotAutoCoupon means coupons can only be generated for a rule with Auto coupons.
var ErrNotAutoCoupon = errors.New("pricerules: coupons are generated only for rules with the Auto coupon type")

// ValidateSpec checks the generator's form.
func ValidateSpec(g GenerateSpec) validation.Errors {
	ve := validation.Errors{}
	if g.Qty < 1 || g.Qty > 10000 {
		ve.Add("qty", "Generate from 1 to 10,000 codes at a time.")
	}
	if g.Length < 4 || g.Length > 32 {
		ve.Add("length", "Use a code length from 4 to 32.")
	}
	if _, ok := alphabets[g.Format]; !ok {
		ve.Add("format", "Choose alphanumeric, alphabetic or numeric.")
	}
	if !affixRe.MatchString(g.Prefix) {
		ve.Add("prefix", "Use at most 32 letters, digits, dashes or underscores.")
	}
	if !affixRe.MatchString(g.Suffix) {
		ve.Add("suffix", "Use at most 32 letters, digits, dashes or underscores.")
	}
	if g.DashEvery < 0 || (g.DashEvery > 0 && g.DashEvery >= g.Length) {
		ve.Add("dash_every", "Enter 0 (no dashes) or a number smaller than the length.")
	}
	return ve
}

func randomCode(g GenerateSpec) string {
	alpha := alphabets[g.Format]
	var b strings.Builder
	b.WriteString(g.Prefix)
	for i := 0; i < g.Length; i++ {
		if g.DashEvery > 0 && i > 0 && i%g.DashEvery == 0 {
			b.WriteByte('-')
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alpha))))
		b.WriteByte(alpha[n.Int64()])
	}
	b.WriteString(g.Suffix)
	return b.String()
}

// GenerateCoupons adds Qty unique codes to an Auto-coupon rule, with the rule's usage
// limits, and returns how many were added (fewer only when the code space is exhausted).
func (s *Service) GenerateCoupons(ctx context.Context, actor audit.Actor, ruleID int64, g GenerateSpec) (int, error) {
	if ve := ValidateSpec(g); len(ve) > 0 {
		return 0, ve
	}
	r, err := s.Get(ctx, ruleID)
	if err != nil {
		return 0, err
	}
	if r.CouponType != CouponAuto {
		return 0, ErrNotAutoCoupon
	}
	added := 0
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		now := s.now()
		for attempt := 0; added < g.Qty && attempt < 20; attempt++ {
			batch := make([]couponRow, 0, g.Qty-added)
			for i := added; i < g.Qty; i++ {
				code := randomCode(g)
				batch = append(batch, couponRow{RuleID: ruleID, Code: code, CodeKey: strings.ToLower(code), UsageLimit: r.UsesPerCoupon,
					UsagePerCustomer: r.UsesPerCustomer, Generated: true, CreatedAt: now})
			}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&batch, 500)
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		return s.log.Record(ctx, tx, actor, audit.ActionCouponsChange, "price_rule", fmt.Sprint(ruleID),
			fmt.Sprintf("%d coupon code(s) generated for %q", added, r.Name), nil, map[string]string{"generated": fmt.Sprint(added)})
	})
	if err == nil {
		s.changed()
	}
	return added, err
}

// CouponRow is a coupon in the rule's coupon grid.
type CouponRow struct {
	ID        int64
	Code      string
	TimesUsed int
	Generated bool
	CreatedAt time.Time
}

// Coupons lists a rule's generated coupons, newest first, with the total.
func (s *Service) Coupons(ctx context.Context, ruleID int64, page, perPage int) ([]CouponRow, int64, error) {
	var total int64
	q := s.db.WithContext(ctx).Model(&couponRow{}).Where("rule_id = ? AND generated = ?", ruleID, true)
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	if page < 1 {
		page = 1
	}
	var rows []CouponRow
	err := q.Select("id, code, times_used, generated, created_at").Order("id DESC").Offset((page - 1) * perPage).Limit(perPage).Scan(&rows).Error
	return rows, total, err
}

// DeleteCoupons removes generated coupons of a rule.
func (s *Service) DeleteCoupons(ctx context.Context, actor audit.Actor, ruleID int64, ids []int64) (int, error) {
	var n int64
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Where("rule_id = ? AND generated = ? AND id IN ?", ruleID, true, uniq(ids)).Delete(&couponRow{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return s.log.Record(ctx, tx, actor, audit.ActionCouponsChange, "price_rule", fmt.Sprint(ruleID),
			fmt.Sprintf("%d coupon code(s) deleted", n), nil, nil)
	})
	if err == nil && n > 0 {
		s.changed()
	}
	return int(n), err
}

// ExportCouponsCSV writes a rule's generated coupons as CSV: code, used, times used, created.
// Codes are made inert for spreadsheets (validation.SpreadsheetSafe).
func (s *Service) ExportCouponsCSV(ctx context.Context, ruleID int64, w io.Writer) error {
	var rows []CouponRow
	if err := s.db.WithContext(ctx).Model(&couponRow{}).Where("rule_id = ? AND generated = ?", ruleID, true).
		Select("id, code, times_used, generated, created_at").Order("id").Scan(&rows).Error; err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"Coupon Code", "Used", "Times Used", "Created"})
	for _, r := range rows {
		used := "No"
		if r.TimesUsed > 0 {
			used = "Yes"
		}
		cw.Write([]string{validation.SpreadsheetSafe(r.Code), used, fmt.Sprint(r.TimesUsed), r.CreatedAt.UTC().Format(time.RFC3339)})
	}
	cw.Flush()
	return cw.Error()
}
