// Package checkout owns carts and orders: lines by SKU, totals from the rule snapshot and a
// flat-rate carrier, and placing an order, which counts rule and coupon usage atomically.
package checkout

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/db"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/throttle"
)

// Errors, worded as the storefront shows them (Magento's wording where it has one).
var (
	ErrCartNotFound error = shopperError("The cart isn't active.")
	ErrEmptyCart    error = shopperError("The cart is empty; add products before placing the order.")
	ErrQty          error = shopperError("The requested qty is not available; enter a whole quantity from 1 to 10000.")
)

// shopperError is a refusal the shopper can act on, shown to them as it is.
type shopperError string

func (e shopperError) Error() string { return string(e) }

// IsShopperError reports whether err is a refusal to show the shopper (not a fault).
func IsShopperError(err error) bool {
	var se shopperError
	return errors.As(err, &se) || errors.Is(err, pricerules.ErrCouponUsedUp) || errors.Is(err, pricerules.ErrCouponUsedByCustomer) ||
		errors.Is(err, pricerules.ErrRuleUsedByCustomer)
}

// MaxQty is the largest quantity of one line.
const MaxQty = 10000

// MaxLines is the most different products a cart holds: reading a cart through the public
// storefront API costs in proportion to its lines.
const MaxLines = 200

// FlatRate is a website's flat-rate carrier.
type FlatRate struct {
	Enabled bool
	PerItem bool  // the price is per item; otherwise per order
	Price   int64 // minor units
}

// Quote is what the carrier charges for the cart, before discounts; false when it does not
// ship it (disabled, or nothing to ship).
func (r FlatRate) Quote(c Cart) (int64, bool) {
	if !r.Enabled || len(c.Lines) == 0 {
		return 0, false
	}
	if !r.PerItem {
		return r.Price, true
	}
	units := 0
	for _, l := range c.Lines {
		units += l.Qty
	}
	return r.Price * int64(units), true
}

// Sources are what checkout reads from other services.
type Sources struct {
	// Products looks products up by SKU (from the in-memory catalog).
	Products func(ctx context.Context, skus []string) (map[string]catalog.Product, error)
	Rules    func(context.Context) (*pricerules.Snapshot, error)
	Shipping func(ctx context.Context, websiteID int64) (FlatRate, error)
	// Audiences names local audience ids with their CDP ids, so an order records the
	// shopper's audiences as they were (optional).
	Audiences func(ctx context.Context, ids []int64) ([]OrderAudience, error)
	// Usage reads and counts rule and coupon usage (the price rules service): checkout
	// never touches the usage tables itself.
	Usage Usage
	// CustomerEmail is a customer's email, recorded on the order (optional).
	CustomerEmail func(ctx context.Context, customerID int64) (string, error)
}

// Usage is what checkout needs of the price rules' usage counts. RecordUse runs in the
// transaction ctx carries (db.InTx), so the order and its usage commit together.
type Usage interface {
	CustomerUses(ctx context.Context, customerID int64) (rules map[int64]int, coupons map[string]int, err error)
	RecordUse(ctx context.Context, customerID int64, coupon string, applied []pricerules.Rule) (usedUp bool, err error)
}

// Service manages carts and orders.
type Service struct {
	db  *db.DB
	src Sources
	// The cart reads, prepared: a storefront request's only query.
	byMaskedID, byCustomer *db.Stmt
	// OnCouponUsedUp is called after an order takes a coupon's last use, so the rule
	// snapshot can be rebuilt.
	OnCouponUsedUp func()
	Now            func() time.Time
	// CouponQuota, when set, limits wrong coupon codes per cart, customer and client
	// address (Magento's code quota), on every storefront, since all apply codes here.
	CouponQuota *throttle.Limiter
}

// NewService returns the checkout service.
func NewService(d *db.DB, src Sources) *Service {
	return &Service{db: d, src: src, Now: time.Now,
		byMaskedID: d.Prepared(cartQuery + "c.masked_id = ? AND c.is_active = ? ORDER BY i.id"),
		byCustomer: d.Prepared(cartQuery + "c.id = (SELECT MAX(id) FROM carts WHERE customer_id = ? AND website_id = ? AND is_active = ?) ORDER BY i.id"),
	}
}

type cartRow struct {
	ID              int64
	MaskedID        string
	WebsiteID       int64
	StoreViewID     int64
	CustomerID      *int64
	CouponCode      string
	Email           string
	ShippingAddress string
	ShippingMethod  string
	PaymentMethod   string
	IsActive        bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (cartRow) TableName() string { return "carts" }

// Cart is a shopper's cart.
type Cart struct {
	ID          int64
	MaskedID    string // the id a storefront holds; never the row id
	WebsiteID   int64
	StoreViewID int64
	CustomerID  int64 // 0: guest
	CouponCode  string
	Email       string   // a guest's email for the order
	Address     *Address // the shipping address; nil until set
	Billing     *Address // the billing address; nil: the shipping address
	// ShippingMethod is the carrier and method chosen ("flatrate_flatrate"); shipping is
	// charged only once one is chosen, as on Magento.
	ShippingMethod string
	PaymentMethod  string
	Lines          []Line
}

// Line is one product in a cart.
type Line struct {
	ID   int64 // the cart item id
	SKU  string
	Qty  int
	Item catalog.Product
}

// Shopper is who the cart is evaluated for.
type Shopper struct {
	CustomerGroupID int64
	Audiences       []int64 // local audience ids, resolved for the cart's website
	Location        *time.Location
}

// Create starts an active cart, with a shipping method chosen in advance when the
// storefront does not ask for one ("" leaves it to the shopper).
func (s *Service) Create(ctx context.Context, websiteID, storeViewID, customerID int64, shippingMethod string) (Cart, error) {
	b := make([]byte, 16)
	rand.Read(b)
	now := s.Now().UTC()
	row := cartRow{MaskedID: fmt.Sprintf("%x", b), WebsiteID: websiteID, StoreViewID: storeViewID, ShippingMethod: shippingMethod, IsActive: true,
		CreatedAt: now, UpdatedAt: now}
	if customerID != 0 {
		row.CustomerID = &customerID
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return Cart{}, err
	}
	return Cart{ID: row.ID, MaskedID: row.MaskedID, WebsiteID: websiteID, StoreViewID: storeViewID, CustomerID: customerID, ShippingMethod: shippingMethod}, nil
}

// Get loads an active cart with its lines' products.
func (s *Service) Get(ctx context.Context, maskedID string) (Cart, error) {
	return s.read(ctx, s.byMaskedID, maskedID, true)
}

// cartQuery reads a cart with its lines in one query; it ends with the WHERE clause's
// condition, which each statement adds.
const cartQuery = `SELECT c.id, c.masked_id, c.website_id, c.store_view_id, c.customer_id, c.coupon_code, c.email,
	c.shipping_address, c.billing_address, c.shipping_method, c.payment_method, i.id, i.sku, i.qty
	FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id WHERE `

// read loads the cart the prepared statement st finds with args, with its lines; the
// products come from the in-memory catalog.
func (s *Service) read(ctx context.Context, st *db.Stmt, args ...any) (Cart, error) {
	rows, err := st.Query(ctx, args...)
	if err != nil {
		return Cart{}, err
	}
	defer rows.Close()
	var c Cart
	var shipping, billing string
	type line struct {
		id  int64
		sku string
		qty int
	}
	var lines []line
	found := false
	for rows.Next() {
		var customerID, itemID, itemQty sql.NullInt64
		var itemSKU sql.NullString
		if err := rows.Scan(&c.ID, &c.MaskedID, &c.WebsiteID, &c.StoreViewID, &customerID, &c.CouponCode, &c.Email,
			&shipping, &billing, &c.ShippingMethod, &c.PaymentMethod, &itemID, &itemSKU, &itemQty); err != nil {
			return Cart{}, err
		}
		found = true
		c.CustomerID = customerID.Int64
		if itemSKU.Valid {
			lines = append(lines, line{id: itemID.Int64, sku: itemSKU.String, qty: int(itemQty.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return Cart{}, err
	}
	if !found {
		return Cart{}, ErrCartNotFound
	}
	if c.Address, err = decodeAddress(shipping); err != nil {
		return Cart{}, fmt.Errorf("cart %d: shipping address: %w", c.ID, err)
	}
	if c.Billing, err = decodeAddress(billing); err != nil {
		return Cart{}, fmt.Errorf("cart %d: billing address: %w", c.ID, err)
	}
	skus := make([]string, len(lines))
	for i, l := range lines {
		skus[i] = l.sku
	}
	products, err := s.src.Products(ctx, skus)
	if err != nil {
		return Cart{}, err
	}
	for _, l := range lines {
		if p, ok := products[l.sku]; ok {
			c.Lines = append(c.Lines, Line{ID: l.id, SKU: l.sku, Qty: l.qty, Item: p})
		}
	}
	return c, nil
}

// AddItem adds qty of the product with sku to the cart (to its line when there is one).
func (s *Service) AddItem(ctx context.Context, c Cart, sku string, qty int) (Cart, error) {
	sku = strings.TrimSpace(sku)
	if qty < 1 || qty > MaxQty {
		return Cart{}, ErrQty
	}
	ps, err := s.src.Products(ctx, []string{sku})
	if err != nil {
		return Cart{}, err
	}
	p, ok := ps[sku]
	if !ok || !p.OnWebsite(c.WebsiteID) {
		return Cart{}, shopperError(fmt.Sprintf("Could not find a product with SKU %q.", sku))
	}
	sku = p.SKU // as the catalog spells it: SKUs match whatever their case
	newLine := true
	for _, l := range c.Lines {
		if l.SKU == sku {
			newLine = false
			if l.Qty+qty > MaxQty {
				return Cart{}, ErrQty
			}
		}
	}
	// The storefront API is public: a cart's size bounds what reading it costs.
	if newLine && len(c.Lines) >= MaxLines {
		return Cart{}, shopperError(fmt.Sprintf("The cart already holds %d different products, the most it can: remove one before adding another.", MaxLines))
	}
	var id int64
	var total int
	add := func(tx *gorm.DB) (err error) {
		id, total, err = addQty(tx, c.ID, sku, qty)
		return err
	}
	changed, err := s.update(ctx, c, add, func(c *Cart) { c.setLine(id, total, p) })
	if db.IsUniqueViolation(err) {
		// Two adds of a new line raced (a double click); the other made the line: add to it.
		changed, err = s.update(ctx, c, add, func(c *Cart) { c.setLine(id, total, p) })
	}
	return changed, err
}

// SetCoupon applies code to the cart (or removes the coupon when code is empty). A code no
// rule knows, or one that gives this shopper nothing, is refused as Magento refuses it.
func (s *Service) SetCoupon(ctx context.Context, c Cart, code string, who Shopper) (Cart, error) {
	code = strings.TrimSpace(code)
	if code != "" {
		ticket, err := s.couponTry(ctx, c)
		if err != nil {
			return Cart{}, err
		}
		c.CouponCode = code
		t, err := s.Totals(ctx, c, who)
		if err != nil {
			return Cart{}, err
		}
		if !t.Result.CouponApplied {
			return Cart{}, shopperError(fmt.Sprintf("The coupon code %q is not valid.", code))
		}
		if err := ticket.Succeeded(ctx); err != nil {
			return Cart{}, err
		}
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE carts SET coupon_code = ? WHERE id = ?", code, c.ID).Error
	}, func(c *Cart) { c.CouponCode = code })
}

// couponTry counts a coupon code try against CouponQuota (a right code is taken off again
// by the ticket), refusing it while the cart, customer or address is over the quota.
func (s *Service) couponTry(ctx context.Context, c Cart) (*throttle.Ticket, error) {
	if s.CouponQuota == nil {
		return nil, nil
	}
	subjects := []string{fmt.Sprintf("cart:%d", c.ID)}
	if c.CustomerID != 0 {
		subjects = append(subjects, fmt.Sprintf("customer:%d", c.CustomerID))
	}
	if addr := throttle.ClientAddr(ctx); addr != "" {
		subjects = append(subjects, "addr:"+addr)
	}
	ticket, err := s.CouponQuota.Attempt(ctx, subjects...)
	var te *throttle.Error
	if errors.As(err, &te) {
		return nil, shopperError(fmt.Sprintf("Too many discount codes were tried. Wait %d minute%s, then try again.", te.Minutes(), map[bool]string{true: "", false: "s"}[te.Minutes() == 1]))
	}
	return ticket, err
}

// Totals is a cart priced: the engine's result and the sums a shopper sees.
type Totals struct {
	Result           *pricerules.Result
	Subtotal         int64
	Discount         int64 // items and shipping
	Shipping         int64
	ShippingDiscount int64
	GrandTotal       int64
}

// Totals prices c for who from the rule snapshot; the only SQL is this customer's usage.
// A cart priced again with nothing changed is answered from the snapshot's memory
// (pricerules.Snapshot.EvaluateRemembered), as a copy of its own for this caller.
func (s *Service) Totals(ctx context.Context, c Cart, who Shopper) (Totals, error) {
	snap, err := s.src.Rules(ctx)
	if err != nil {
		return Totals{}, err
	}
	return s.price(ctx, snap, c, who, snap.EvaluateRemembered)
}

// price is Totals with the snapshot given, so an order is priced and recorded from one;
// evaluate is the snapshot's Evaluate or EvaluateRemembered.
func (s *Service) price(ctx context.Context, snap *pricerules.Snapshot, c Cart, who Shopper, evaluate func(*pricerules.Cart, *pricerules.Shopper) *pricerules.Result) (Totals, error) {
	rate, err := s.src.Shipping(ctx, c.WebsiteID)
	if err != nil {
		return Totals{}, err
	}
	cart := pricerules.Cart{Items: make([]pricerules.Item, len(c.Lines))}
	for i, l := range c.Lines {
		cart.Items[i] = pricerules.Item{ID: int64(i), SKU: l.SKU, Price: l.Item.Price, Qty: l.Qty, Weight: l.Item.Weight,
			CategoryIDs: l.Item.CategoryID, Attributes: l.Item.Attributes}
	}
	if amount, ok := rate.Quote(c); ok && c.ShippingMethod == FlatRateMethod {
		cart.ShippingMethod, cart.Shipping = FlatRateMethod, amount
	}
	// The conditions on the shipping address and the payment method see what checkout set.
	if a := c.Address; a != nil {
		cart.Postcode, cart.Region, cart.Country = a.Postcode, a.Region, a.CountryCode
	}
	cart.PaymentMethod = c.PaymentMethod
	pc := &pricerules.Shopper{WebsiteID: c.WebsiteID, StoreViewID: c.StoreViewID, CustomerGroupID: who.CustomerGroupID, CustomerID: c.CustomerID,
		Audiences: who.Audiences, Coupon: c.CouponCode, Now: s.Now(), Location: who.Location}
	if c.CustomerID != 0 {
		if pc.CustomerRuleUses, pc.CustomerCouponUses, err = s.src.Usage.CustomerUses(ctx, c.CustomerID); err != nil {
			return Totals{}, err
		}
	}
	res := evaluate(&cart, pc)
	t := Totals{Result: res, Subtotal: res.Subtotal, Discount: res.ItemsDiscount + res.ShippingDiscount, Shipping: res.Shipping,
		ShippingDiscount: res.ShippingDiscount}
	t.GrandTotal = t.Subtotal + t.Shipping - t.Discount
	return t, nil
}

// Order is a placed order.
type Order struct {
	ID          int64
	IncrementID string
	CouponCode  string
	Totals      Totals
}

// ReadyCheck, given to PlaceOrder, refuses a cart whose checkout details (email, address,
// shipping and payment method) are not all set, judged on the very cart and totals the
// order records — as a headless checkout must.
const ReadyCheck = true

// PlaceOrder turns the cart c (as the caller read it) into an order in one transaction:
// the order, its lines and applied rules, the usage counts, and the cart closed. When the
// coupon has just been used up by other orders, nothing is written and the error says so.
func (s *Service) PlaceOrder(ctx context.Context, c Cart, who Shopper, checkReady bool) (Order, error) {
	if len(c.Lines) == 0 {
		return Order{}, ErrEmptyCart
	}
	snap, err := s.src.Rules(ctx)
	if err != nil {
		return Order{}, err
	}
	t, err := s.price(ctx, snap, c, who, snap.Evaluate)
	if err != nil {
		return Order{}, err
	}
	if checkReady {
		if err := s.Ready(c, t); err != nil {
			return Order{}, err
		}
	}
	coupon := ""
	if c.CouponCode != "" {
		if !t.Result.CouponApplied {
			return Order{}, shopperError(fmt.Sprintf("The coupon code %q is not valid.", c.CouponCode))
		}
		coupon = c.CouponCode
	}
	byID := map[int64]*pricerules.Rule{}
	for _, r := range snap.Rules() {
		byID[r.ID] = r
	}
	var applied []pricerules.Rule
	for _, a := range t.Result.Applied {
		if r := byID[a.RuleID]; r != nil {
			applied = append(applied, *r)
		}
	}
	o := Order{CouponCode: coupon, Totals: t}
	address := encodeAddress(c.Address)
	usedUp := false
	email := c.Email
	if email == "" && c.CustomerID != 0 && s.src.CustomerEmail != nil {
		// The order keeps the customer's email as it is now, as Magento's orders do, so the
		// orders grid reads it from the order alone.
		if email, err = s.src.CustomerEmail(ctx, c.CustomerID); err != nil {
			return Order{}, err
		}
	}
	err = db.InTx(ctx, s.db.DB, func(ctx context.Context) error {
		tx := db.Conn(ctx, s.db.DB)
		// Closing the cart first makes a second placeOrder on it wait, then find it closed.
		res := tx.Exec("UPDATE carts SET is_active = ?, updated_at = ? WHERE id = ? AND is_active = ?", false, s.Now().UTC(), c.ID, true)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrCartNotFound
		}
		var cust *int64
		if c.CustomerID != 0 {
			cust = &c.CustomerID
		}
		// The order number follows the order's own id, so numbers have no gaps; a unique
		// placeholder holds the column until the id is known.
		row := map[string]any{"increment_id": fmt.Sprintf("cart-%d", c.ID), "cart_id": c.ID, "website_id": c.WebsiteID, "store_view_id": c.StoreViewID,
			"customer_id": cust, "customer_group_id": who.CustomerGroupID, "coupon_code": coupon, "subtotal": t.Subtotal, "discount": t.Discount,
			"shipping": t.Shipping, "shipping_discount": t.ShippingDiscount, "grand_total": t.GrandTotal, "created_at": s.Now().UTC(),
			"email": email, "shipping_address": address, "billing_address": encodeAddress(c.Billing), "payment_method": c.PaymentMethod}
		if err := tx.Table("orders").Create(row).Error; err != nil {
			return err
		}
		if err := tx.Raw("SELECT id FROM orders WHERE cart_id = ?", c.ID).Scan(&o.ID).Error; err != nil {
			return err
		}
		o.IncrementID = fmt.Sprintf("%09d", o.ID)
		if err := tx.Exec("UPDATE orders SET increment_id = ? WHERE id = ?", o.IncrementID, o.ID).Error; err != nil {
			return err
		}
		for i, l := range c.Lines {
			if err := tx.Exec("INSERT INTO order_items (order_id, sku, name, price, qty, discount) VALUES (?, ?, ?, ?, ?, ?)",
				o.ID, l.SKU, l.Item.Name, l.Item.Price, l.Qty, t.Result.Items[i].Discount).Error; err != nil {
				return err
			}
		}
		for _, a := range t.Result.Applied {
			if err := tx.Exec("INSERT INTO order_rules (order_id, rule_id, name, label, discount) VALUES (?, ?, ?, ?, ?)",
				o.ID, a.RuleID, a.Name, a.Label, a.Discount).Error; err != nil {
				return err
			}
		}
		if err := s.recordAudiences(ctx, tx, o.ID, who.Audiences); err != nil {
			return err
		}
		usedUp, err = s.src.Usage.RecordUse(ctx, c.CustomerID, coupon, applied)
		return err
	})
	if usedUp && s.OnCouponUsedUp != nil {
		s.OnCouponUsedUp()
	}
	if err != nil {
		return Order{}, err
	}
	return o, nil
}
