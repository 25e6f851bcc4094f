package checkout

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"gorm.io/gorm"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/db"
	"audienceactivation/internal/directory"
)

// FlatRateMethod is the carrier and method code of the flat-rate carrier ("flatrate" both).
const FlatRateMethod = "flatrate_flatrate"

// PaymentMethod is a payment method a shopper may choose.
type PaymentMethod struct{ Code, Title string }

// PaymentMethods are the offline methods the store takes: check / money order, and "no
// payment information required" for an order that costs nothing.
var PaymentMethods = []PaymentMethod{{"checkmo", "Check / Money order"}, {"free", "No Payment Information Required"}}

// PaymentTitle is the title of a payment method code ("" when unknown).
func PaymentTitle(code string) string {
	for _, m := range PaymentMethods {
		if m.Code == code {
			return m.Title
		}
	}
	return ""
}

// Address is a shipping address.
type Address struct {
	Firstname   string   `json:"firstname"`
	Lastname    string   `json:"lastname"`
	Company     string   `json:"company,omitempty"`
	Street      []string `json:"street"`
	City        string   `json:"city"`
	Region      string   `json:"region,omitempty"`      // the region's name
	RegionCode  string   `json:"region_code,omitempty"` // its code, when the country lists its regions
	RegionID    int      `json:"region_id,omitempty"`   // its id in the directory
	Postcode    string   `json:"postcode,omitempty"`
	CountryCode string   `json:"country_code"`
	Telephone   string   `json:"telephone,omitempty"`
}

// Errors of the checkout steps, in Magento's words.
var (
	ErrNoEmail         error = shopperError("Guest email for cart is missing.")
	ErrNoAddress       error = shopperError("The shipping address is missing. Set the address and try again.")
	ErrNoShipping      error = shopperError("The shipping method is missing. Select the shipping method and try again.")
	ErrNoBilling       error = shopperError("The billing address is missing. Set the address and try again.")
	ErrNoPayment       error = shopperError("Enter a valid payment method and try again.")
	ErrEmailForGuests  error = shopperError("The request is not allowed for logged in customers")
	ErrInvalidEmail    error = shopperError("Invalid email format")
	ErrPaymentMethod   error = shopperError("The requested Payment Method is not available.")
	ErrNotInCart       error = shopperError("The cart doesn't contain the item")
	errAddressTooLarge error = shopperError("The shipping address is too long.")
)

// The operations that change a cart take the cart the caller has read (and checked the
// shopper may use) and return it as it is after the change, worked out in memory: a
// storefront mutation reads its cart once. Each writes in one transaction that first
// touches the cart's row while it is still active, so a cart whose order was placed in
// the meantime is not changed (ErrCartNotFound).

// update runs f on the active cart c in a transaction; change then makes the same change
// to a copy of c, which it returns.
func (s *Service) update(ctx context.Context, c Cart, f func(tx *gorm.DB) error, change func(*Cart)) (Cart, error) {
	err := db.WithTx(ctx, s.db.DB, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE carts SET updated_at = ? WHERE id = ? AND is_active = ?", s.Now().UTC(), c.ID, true)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrCartNotFound
		}
		return f(tx)
	})
	if err != nil {
		return Cart{}, err
	}
	c.Lines = slices.Clone(c.Lines)
	change(&c)
	return c, nil
}

// QtyChange sets the quantity of a cart item; 0 removes it.
type QtyChange struct {
	ItemID int64
	Qty    int
}

// UpdateItems changes the quantities of cart items, all or none.
func (s *Service) UpdateItems(ctx context.Context, c Cart, changes []QtyChange) (Cart, error) {
	for _, ch := range changes {
		if ch.Qty < 0 || ch.Qty > MaxQty {
			return Cart{}, ErrQty
		}
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		for _, ch := range changes {
			var res *gorm.DB
			if ch.Qty == 0 {
				res = tx.Exec("DELETE FROM cart_items WHERE id = ? AND cart_id = ?", ch.ItemID, c.ID)
			} else {
				res = tx.Exec("UPDATE cart_items SET qty = ? WHERE id = ? AND cart_id = ?", ch.Qty, ch.ItemID, c.ID)
			}
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return shopperError(fmt.Sprintf("Could not find cart item with id: %d.", ch.ItemID))
			}
		}
		return nil
	}, func(c *Cart) {
		for _, ch := range changes {
			c.setQty(ch.ItemID, ch.Qty)
		}
	})
}

// RemoveItem takes an item out of the cart.
func (s *Service) RemoveItem(ctx context.Context, c Cart, itemID int64) (Cart, error) {
	return s.update(ctx, c, func(tx *gorm.DB) error {
		res := tx.Exec("DELETE FROM cart_items WHERE id = ? AND cart_id = ?", itemID, c.ID)
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrNotInCart
		}
		return res.Error
	}, func(c *Cart) { c.setQty(itemID, 0) })
}

// setQty sets the quantity of the line with the item id; 0 takes the line out.
func (c *Cart) setQty(itemID int64, qty int) {
	c.Lines = slices.DeleteFunc(c.Lines, func(l Line) bool { return l.ID == itemID && qty == 0 })
	for i := range c.Lines {
		if c.Lines[i].ID == itemID {
			c.Lines[i].Qty = qty
		}
	}
}

// setLine sets the quantity of the line with the item id, or adds the line (the lines
// stay in the order of their ids, as the cart reads them).
func (c *Cart) setLine(itemID int64, qty int, p catalog.Product) {
	for i := range c.Lines {
		if c.Lines[i].ID == itemID {
			c.Lines[i].Qty = qty
			return
		}
	}
	c.Lines = append(c.Lines, Line{ID: itemID, SKU: p.SKU, Qty: qty, Item: p})
	slices.SortFunc(c.Lines, func(a, b Line) int { return cmp.Compare(a.ID, b.ID) })
}

// SetEmail sets the email of a guest's cart.
func (s *Service) SetEmail(ctx context.Context, c Cart, email string) (Cart, error) {
	email = strings.TrimSpace(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 255 {
		return Cart{}, ErrInvalidEmail
	}
	if c.CustomerID != 0 {
		return Cart{}, ErrEmailForGuests
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE carts SET email = ? WHERE id = ?", email, c.ID).Error
	}, func(c *Cart) { c.Email = email })
}

// SetAddress sets the shipping address after checking its required fields.
func (s *Service) SetAddress(ctx context.Context, c Cart, a Address) (Cart, error) {
	return s.setAddress(ctx, c, "shipping_address", a)
}

// SetBillingAddress sets the billing address after checking its required fields.
func (s *Service) SetBillingAddress(ctx context.Context, c Cart, a Address) (Cart, error) {
	return s.setAddress(ctx, c, "billing_address", a)
}

func (s *Service) setAddress(ctx context.Context, c Cart, column string, a Address) (Cart, error) {
	a.Firstname, a.Lastname, a.City = strings.TrimSpace(a.Firstname), strings.TrimSpace(a.Lastname), strings.TrimSpace(a.City)
	a.CountryCode = strings.ToUpper(strings.TrimSpace(a.CountryCode))
	var street []string
	for _, l := range a.Street {
		if l = strings.TrimSpace(l); l != "" {
			street = append(street, l)
		}
	}
	a.Street = street
	for _, f := range []struct{ name, v string }{{"firstname", a.Firstname}, {"lastname", a.Lastname}, {"street", strings.Join(a.Street, "")},
		{"city", a.City}, {"country_code", a.CountryCode}} {
		if f.v == "" {
			return Cart{}, shopperError(fmt.Sprintf("%q is required. Enter and try again.", f.name))
		}
	}
	if err := resolveRegion(&a); err != nil {
		return Cart{}, err
	}
	enc := encodeAddress(&a)
	if len(enc) > 4096 {
		return Cart{}, errAddressTooLarge
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE carts SET "+column+" = ? WHERE id = ?", enc, c.ID).Error
	}, func(c *Cart) {
		if column == "billing_address" {
			c.Billing = &a
		} else {
			c.Address = &a
		}
	})
}

func encodeAddress(a *Address) string {
	if a == nil {
		return ""
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func decodeAddress(v string) (*Address, error) {
	if v == "" {
		return nil, nil
	}
	a := new(Address)
	return a, json.Unmarshal([]byte(v), a)
}

// SetShippingMethod chooses the carrier and method; the address must be set and the
// carrier enabled on the cart's website.
func (s *Service) SetShippingMethod(ctx context.Context, c Cart, carrier, method string) (Cart, error) {
	if c.Address == nil {
		return Cart{}, ErrNoAddress
	}
	rate, err := s.src.Shipping(ctx, c.WebsiteID)
	if err != nil {
		return Cart{}, err
	}
	if carrier+"_"+method != FlatRateMethod || !rate.Enabled {
		return Cart{}, shopperError(fmt.Sprintf("Carrier with such method not found: %s, %s", carrier, method))
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE carts SET shipping_method = ? WHERE id = ?", FlatRateMethod, c.ID).Error
	}, func(c *Cart) { c.ShippingMethod = FlatRateMethod })
}

// AvailablePaymentMethods are the payment methods a cart with these totals may be paid
// with: "free" when there is nothing to pay, the others when there is.
func AvailablePaymentMethods(t Totals) []PaymentMethod {
	var out []PaymentMethod
	for _, m := range PaymentMethods {
		if (m.Code == "free") == (t.GrandTotal == 0) {
			out = append(out, m)
		}
	}
	return out
}

// SetPaymentMethod chooses how the order is paid: one of the methods available for the
// cart as the shopper's totals stand (as Magento, which refuses "free" on a cart with
// something to pay when it is set, not only when the order is placed).
func (s *Service) SetPaymentMethod(ctx context.Context, c Cart, code string, who Shopper) (Cart, error) {
	if PaymentTitle(code) == "" {
		return Cart{}, ErrPaymentMethod
	}
	t, err := s.Totals(ctx, c, who)
	if err != nil {
		return Cart{}, err
	}
	available := false
	for _, m := range AvailablePaymentMethods(t) {
		available = available || m.Code == code
	}
	if !available {
		return Cart{}, ErrPaymentMethod
	}
	return s.update(ctx, c, func(tx *gorm.DB) error {
		return tx.Exec("UPDATE carts SET payment_method = ? WHERE id = ?", code, c.ID).Error
	}, func(c *Cart) { c.PaymentMethod = code })
}

// ShippingRate is the flat-rate carrier of the cart's website.
func (s *Service) ShippingRate(ctx context.Context, c Cart) (FlatRate, error) {
	return s.src.Shipping(ctx, c.WebsiteID)
}

// Merge moves the lines of the source cart into the destination cart (a guest's cart into
// the customer's after sign-in) and closes the source, in one transaction: a second merge
// of the same source finds it closed and adds nothing.
func (s *Service) Merge(ctx context.Context, src, dest Cart) (Cart, error) {
	if dest.ID == src.ID {
		return Cart{}, shopperError("The source and destination carts are the same.")
	}
	type merged struct {
		id  int64
		qty int
		p   catalog.Product
	}
	var lines []merged
	coupon := dest.CouponCode
	if coupon == "" {
		coupon = src.CouponCode
	}
	return s.update(ctx, dest, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE carts SET is_active = ?, updated_at = ? WHERE id = ? AND is_active = ?", false, s.Now().UTC(), src.ID, true)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrCartNotFound
		}
		for _, l := range src.Lines {
			id, qty, err := addQty(tx, dest.ID, l.SKU, l.Qty)
			if err != nil {
				return err
			}
			lines = append(lines, merged{id, qty, l.Item})
		}
		if coupon != dest.CouponCode {
			return tx.Exec("UPDATE carts SET coupon_code = ? WHERE id = ?", coupon, dest.ID).Error
		}
		return nil
	}, func(c *Cart) {
		for _, l := range lines {
			c.setLine(l.id, l.qty, l.p)
		}
		c.CouponCode = coupon
	})
}

// addQty adds qty of sku to the cart's line (at most MaxQty in all), or starts the line,
// and returns the line's item id and quantity as written.
func addQty(tx *gorm.DB, cartID int64, sku string, qty int) (id int64, total int, err error) {
	var line struct {
		ID  int64
		Qty int
	}
	res := tx.Raw("UPDATE cart_items SET qty = CASE WHEN qty + ? > ? THEN ? ELSE qty + ? END WHERE cart_id = ? AND sku = ? RETURNING id, qty",
		qty, MaxQty, MaxQty, qty, cartID, sku).Scan(&line)
	if res.Error != nil || res.RowsAffected > 0 {
		return line.ID, line.Qty, res.Error
	}
	err = tx.Raw("INSERT INTO cart_items (cart_id, sku, qty) VALUES (?, ?, ?) RETURNING id, qty", cartID, sku, qty).Scan(&line).Error
	return line.ID, line.Qty, err
}

// Placed reports whether the masked id names a cart that is no longer active (its order
// was placed), as opposed to one that never existed.
func (s *Service) Placed(ctx context.Context, maskedID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM carts WHERE masked_id = ? AND is_active = ?", maskedID, false).Scan(&n).Error
	return n > 0, err
}

// Ready reports what a headless checkout has still to set before the order can be placed.
func (s *Service) Ready(c Cart, t Totals) error {
	switch {
	case len(c.Lines) == 0:
		return ErrEmptyCart
	case c.CustomerID == 0 && c.Email == "":
		return ErrNoEmail
	case c.Address == nil:
		return ErrNoAddress
	case c.Billing == nil:
		return ErrNoBilling
	case c.ShippingMethod == "":
		return ErrNoShipping
	case c.PaymentMethod == "":
		return ErrNoPayment
	case (c.PaymentMethod == "free") != (t.GrandTotal == 0):
		return ErrPaymentMethod
	}
	return nil
}

// CustomerCart returns the customer's active cart on the website, starting one (with the
// shipping method given, as Create) when there is none.
func (s *Service) CustomerCart(ctx context.Context, customerID, websiteID, storeViewID int64, shippingMethod string) (Cart, error) {
	c, err := s.FindCustomerCart(ctx, customerID, websiteID)
	if !errors.Is(err, ErrCartNotFound) {
		return c, err
	}
	c, err = s.Create(ctx, websiteID, storeViewID, customerID, shippingMethod)
	if db.IsUniqueViolation(err) { // another request started it a moment ago
		return s.FindCustomerCart(ctx, customerID, websiteID)
	}
	return c, err
}

// FindCustomerCart returns the customer's active cart on the website, or ErrCartNotFound.
func (s *Service) FindCustomerCart(ctx context.Context, customerID, websiteID int64) (Cart, error) {
	return s.read(ctx, s.byCustomer, customerID, websiteID, true)
}

// resolveRegion checks the address's country against the directory and, for a country
// that lists its regions, finds the region the address names by id, code or name (a
// storefront's region picker sends the id, a typed address the name) and fills in all
// three; an address that names none keeps none (the store does not require one). Other
// countries keep the region as typed.
func resolveRegion(a *Address) error {
	if _, ok := directory.CountryByCode(a.CountryCode); !ok {
		return shopperError(fmt.Sprintf("The country code %q is not valid; use the two-letter ISO code.", a.CountryCode))
	}
	a.Region = strings.TrimSpace(a.Region)
	if len(directory.Regions(a.CountryCode)) == 0 {
		a.RegionCode, a.RegionID = "", 0
		return nil
	}
	var r directory.Region
	var ok bool
	switch {
	case a.RegionID != 0:
		r, ok = directory.RegionByID(a.CountryCode, a.RegionID)
	case a.RegionCode != "":
		r, ok = directory.RegionByName(a.CountryCode, a.RegionCode)
	case a.Region != "":
		r, ok = directory.RegionByName(a.CountryCode, a.Region)
	default:
		return nil
	}
	if !ok {
		return shopperError(fmt.Sprintf("The region_id %q is not valid for country %q.", regionText(a), a.CountryCode))
	}
	a.Region, a.RegionCode, a.RegionID = r.Name, r.Code, r.ID
	return nil
}

func regionText(a *Address) string {
	switch {
	case a.RegionID != 0:
		return fmt.Sprint(a.RegionID)
	case a.RegionCode != "":
		return a.RegionCode
	}
	return a.Region
}
