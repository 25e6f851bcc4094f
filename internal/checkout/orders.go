package checkout

import (
	"context"
	"errors"
	"strings"
	"time"

	"audienceactivation/internal/db"
)

// ErrOrderNotFound means no order has the id.
var ErrOrderNotFound = errors.New("checkout: order not found")

// OrderSummary is an order as the orders grid lists it.
type OrderSummary struct {
	ID              int64
	IncrementID     string
	CreatedAt       time.Time
	WebsiteID       int64
	StoreViewID     int64
	CustomerID      int64 // 0: guest
	CustomerGroupID int64
	Email           string // the customer's, or the guest's
	CouponCode      string
	Subtotal        int64
	Discount        int64
	Shipping        int64
	GrandTotal      int64
	Rules           string // names of the rules applied, comma-separated
	Audiences       []OrderAudience
}

// OrderFilter selects a page of orders, newest first.
type OrderFilter struct {
	Search     string    // order number, email or coupon code
	CustomerID int64     // only this customer's orders (0: everyone's)
	Number     string    // only the order with this number
	Audience   string    // only orders whose shopper was in this audience (CDP id)
	From, To   time.Time // placed at or after From and before To (zero: open)
	Sort       string    // one of the OrderSort* keys (default: newest first)
	Desc       bool
	Page       int
	PerPage    int
}

// OrderLine is a product line of an order.
type OrderLine struct {
	SKU, Name       string
	Price, Discount int64
	Qty             int
}

// OrderRule is a rule applied to an order, with its label and what it gave.
type OrderRule struct {
	RuleID      int64
	Name, Label string
	Discount    int64
}

// OrderDetail is an order with its lines, rules, address and payment.
type OrderDetail struct {
	OrderSummary
	ShippingDiscount int64
	PaymentMethod    string
	Address          *Address
	Billing          *Address
	Lines            []OrderLine
	AppliedRules     []OrderRule
}

// orderRow is what orderColumns read (GORM does not scan into embedded structs).
type orderRow struct {
	ID, WebsiteID, StoreViewID, CustomerID, CustomerGroupID        int64
	IncrementID, Email, CouponCode, PaymentMethod, ShippingAddress string
	BillingAddress                                                 string
	CreatedAt                                                      time.Time
	Subtotal, Discount, Shipping, GrandTotal, ShippingDiscount     int64
}

func (r orderRow) summary() OrderSummary {
	return OrderSummary{ID: r.ID, IncrementID: r.IncrementID, CreatedAt: r.CreatedAt, WebsiteID: r.WebsiteID, StoreViewID: r.StoreViewID,
		CustomerID: r.CustomerID, CustomerGroupID: r.CustomerGroupID, Email: r.Email, CouponCode: r.CouponCode, Subtotal: r.Subtotal,
		Discount: r.Discount, Shipping: r.Shipping, GrandTotal: r.GrandTotal}
}

const orderColumns = `o.id, o.increment_id, o.created_at, o.website_id, o.store_view_id, COALESCE(o.customer_id, 0) AS customer_id,
	o.customer_group_id, o.email, o.coupon_code, o.subtotal, o.discount, o.shipping, o.grand_total,
	o.shipping_discount, o.payment_method, o.shipping_address, o.billing_address`

// The orders grid's sortable columns.
const (
	OrderSortDate     = "date"
	OrderSortNumber   = "number"
	OrderSortCustomer = "customer"
	OrderSortTotal    = "total"
	OrderSortDiscount = "discount"
)

var orderSortColumns = map[string]string{OrderSortDate: "o.created_at", OrderSortNumber: "o.id", OrderSortCustomer: "o.email",
	OrderSortTotal: "o.grand_total", OrderSortDiscount: "o.discount"}

// Orders returns a page of orders (newest first unless sorted otherwise) and how many match.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]OrderSummary, int64, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 25
	}
	if f.Page < 1 {
		f.Page = 1
	}
	cond, args := "1 = 1", []any{}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		like := "%" + db.EscapeLike(q) + "%"
		cond, args = `(o.increment_id LIKE ? ESCAPE '\' OR LOWER(o.email) LIKE ? ESCAPE '\' OR LOWER(o.coupon_code) LIKE ? ESCAPE '\')`,
			[]any{like, like, like}
	}
	if f.CustomerID != 0 {
		cond, args = cond+" AND o.customer_id = ?", append(args, f.CustomerID)
	}
	if f.Number != "" {
		cond, args = cond+" AND o.increment_id = ?", append(args, f.Number)
	}
	if f.Audience != "" {
		cond, args = cond+" AND EXISTS (SELECT 1 FROM order_audiences oa WHERE oa.order_id = o.id AND oa.cdp_id = ?)", append(args, f.Audience)
	}
	if !f.From.IsZero() {
		cond, args = cond+" AND o.created_at >= ?", append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		cond, args = cond+" AND o.created_at < ?", append(args, f.To.UTC())
	}
	order := "o.id DESC"
	if col, ok := orderSortColumns[f.Sort]; ok {
		dir := " ASC"
		if f.Desc {
			dir = " DESC"
		}
		order = col + dir + ", o.id" + dir
	}
	g := s.db.WithContext(ctx)
	var n int64
	if err := g.Raw("SELECT COUNT(*) FROM orders o WHERE "+cond, args...).Scan(&n).Error; err != nil {
		return nil, 0, err
	}
	var rows []orderRow
	if err := g.Raw("SELECT "+orderColumns+" FROM orders o WHERE "+cond+
		" ORDER BY "+order+" LIMIT ? OFFSET ?", append(args, f.PerPage, (f.Page-1)*f.PerPage)...).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]OrderSummary, len(rows))
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		out[i], ids[i], at[r.ID] = r.summary(), r.ID, i
	}
	if len(ids) > 0 {
		var rules []struct {
			OrderID int64
			Name    string
		}
		if err := g.Raw("SELECT order_id, name FROM order_rules WHERE order_id IN ? ORDER BY order_id, rule_id", ids).Scan(&rules).Error; err != nil {
			return nil, 0, err
		}
		for _, r := range rules {
			o := &out[at[r.OrderID]]
			if o.Rules != "" {
				o.Rules += ", "
			}
			o.Rules += r.Name
		}
		auds, err := s.orderAudiences(ctx, ids)
		if err != nil {
			return nil, 0, err
		}
		for id, as := range auds {
			out[at[id]].Audiences = as
		}
	}
	return out, n, nil
}

// Order returns an order with its lines and applied rules.
func (s *Service) Order(ctx context.Context, id int64) (OrderDetail, error) {
	g := s.db.WithContext(ctx)
	var rows []orderRow
	if err := g.Raw("SELECT "+orderColumns+" FROM orders o WHERE o.id = ?", id).Scan(&rows).Error; err != nil {
		return OrderDetail{}, err
	}
	if len(rows) == 0 {
		return OrderDetail{}, ErrOrderNotFound
	}
	r := rows[0]
	o := OrderDetail{OrderSummary: r.summary(), ShippingDiscount: r.ShippingDiscount, PaymentMethod: r.PaymentMethod}
	var err error
	if o.Address, err = decodeAddress(r.ShippingAddress); err != nil {
		return OrderDetail{}, err
	}
	if o.Billing, err = decodeAddress(r.BillingAddress); err != nil {
		return OrderDetail{}, err
	}
	if err := g.Raw("SELECT sku, name, price, qty, discount FROM order_items WHERE order_id = ? ORDER BY id", id).Scan(&o.Lines).Error; err != nil {
		return OrderDetail{}, err
	}
	if err := g.Raw("SELECT rule_id, name, label, discount FROM order_rules WHERE order_id = ? ORDER BY rule_id", id).Scan(&o.AppliedRules).Error; err != nil {
		return OrderDetail{}, err
	}
	auds, err := s.orderAudiences(ctx, []int64{id})
	if err != nil {
		return OrderDetail{}, err
	}
	o.Audiences = auds[id]
	return o, nil
}
