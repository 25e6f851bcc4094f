package storefront

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
)

// maxCartID bounds a masked cart id read from a request.
const maxCartID = 64

// openCart loads the cart a request names, if this shopper may use it: a guest's cart by
// anyone holding its masked id (and no customer token), a customer's cart only with that
// customer's token, and only on its own website.
func (r *Resolver) openCart(ctx context.Context, maskedID string) (checkout.Cart, error) {
	var customerID int64
	if c := requestOf(ctx).customer; c != nil {
		customerID = c.ID
	}
	return r.openCartAs(ctx, maskedID, customerID)
}

// openCartAs is openCart for a cart that must belong to customerID (0: a guest's cart).
func (r *Resolver) openCartAs(ctx context.Context, maskedID string, customerID int64) (checkout.Cart, error) {
	req := requestOf(ctx)
	if maskedID == "" {
		return checkout.Cart{}, inputError(`Required parameter "cart_id" is missing`)
	}
	notFound := &apiError{msg: fmt.Sprintf("Could not find a cart with ID %q", maskedID), category: "graphql-no-such-entity"}
	if len(maskedID) > maxCartID {
		return checkout.Cart{}, notFound
	}
	c, err := r.deps.Checkout.Get(ctx, maskedID)
	if errors.Is(err, checkout.ErrCartNotFound) {
		return checkout.Cart{}, notFound
	} else if err != nil {
		return checkout.Cart{}, err
	}
	switch {
	case c.CustomerID != customerID:
		return checkout.Cart{}, &apiError{msg: fmt.Sprintf("The current user cannot perform operations on cart %q", maskedID), category: "graphql-authorization"}
	case c.WebsiteID != req.view.WebsiteID:
		return checkout.Cart{}, inputError("Wrong store code specified for cart")
	}
	return c, nil
}

// cartView prices the cart for the request's shopper and shapes it as the schema's Cart.
func (r *Resolver) cartView(ctx context.Context, c checkout.Cart) (*Cart, error) {
	req := requestOf(ctx)
	t, err := r.deps.Checkout.Totals(ctx, c, req.shopper())
	if err != nil {
		return nil, err
	}
	rate, err := r.deps.Checkout.ShippingRate(ctx, c)
	if err != nil {
		return nil, err
	}
	cur := req.view.Currency
	labels := map[int64]string{}
	out := &Cart{ID: c.MaskedID, ShippingAddresses: []*ShippingCartAddress{}, Items: []CartItemInterface{}}
	for _, a := range t.Result.Applied {
		label := a.Label
		if label == "" {
			label = "Discount"
		}
		labels[a.RuleID] = label
		out.Rules = append(out.Rules, &CartRuleStorefront{Name: a.Name})
	}
	for i, l := range c.Lines {
		ir := t.Result.Items[i]
		row := l.Item.Price * int64(l.Qty)
		prices := &CartItemPrices{Price: money(l.Item.Price, cur), RowTotal: money(row, cur), RowTotalIncludingTax: money(row, cur),
			TotalItemDiscount: money(ir.Discount, cur), Discounts: []*Discount{}}
		for _, ld := range ir.Lines {
			if ld.Amount > 0 {
				prices.Discounts = append(prices.Discounts, &Discount{Label: labels[ld.RuleID], Amount: money(ld.Amount, cur), AppliedTo: CartDiscountTypeItem})
			}
		}
		out.Items = append(out.Items, &SimpleCartItem{UID: encodeUID(l.ID), ID: strconv.FormatInt(l.ID, 10), Quantity: float64(l.Qty),
			Product: productView(l.Item, cur), Prices: prices})
		out.TotalQuantity += float64(l.Qty)
	}
	discounts := []*Discount{}
	for _, a := range t.Result.Applied {
		if item := a.Discount - a.ShippingDiscount; item > 0 {
			discounts = append(discounts, &Discount{Label: labels[a.RuleID], Amount: money(item, cur), AppliedTo: CartDiscountTypeItem})
		}
		if a.ShippingDiscount > 0 {
			discounts = append(discounts, &Discount{Label: labels[a.RuleID], Amount: money(a.ShippingDiscount, cur), AppliedTo: CartDiscountTypeShipping})
		}
	}
	itemsDiscount := t.Result.ItemsDiscount
	out.Prices = &CartPrices{GrandTotal: money(t.GrandTotal, cur), SubtotalExcludingTax: money(t.Subtotal, cur), SubtotalIncludingTax: money(t.Subtotal, cur),
		SubtotalWithDiscountExcludingTax: money(t.Subtotal-itemsDiscount, cur), Discounts: discounts, AppliedTaxes: []*CartTaxItem{}}
	if t.Result.CouponApplied {
		out.AppliedCoupon = &AppliedCoupon{Code: c.CouponCode}
		out.AppliedCoupons = []*AppliedCoupon{out.AppliedCoupon}
	}
	if c.Email != "" {
		out.Email = &c.Email
	} else if req.customer != nil && c.CustomerID == req.customer.ID {
		out.Email = &req.customer.Email
	}
	if a := c.Address; a != nil {
		v := addressView(a)
		addr := &ShippingCartAddress{Firstname: v.Firstname, Lastname: v.Lastname, Company: v.Company, Street: v.Street, City: v.City, Region: v.Region,
			Postcode: v.Postcode, Country: v.Country, Telephone: v.Telephone}
		if amount, ok := rate.Quote(c); ok {
			code, title := "flatrate", "Flat Rate"
			addr.AvailableShippingMethods = []*AvailableShippingMethod{{CarrierCode: code, CarrierTitle: title, MethodCode: &code, MethodTitle: &title,
				Amount: money(amount, cur), Available: true, PriceExclTax: money(amount, cur), PriceInclTax: money(amount, cur)}}
			if c.ShippingMethod == checkout.FlatRateMethod {
				addr.SelectedShippingMethod = &SelectedShippingMethod{CarrierCode: code, CarrierTitle: title, MethodCode: code, MethodTitle: title,
					Amount: money(t.Shipping, cur)}
			}
		}
		out.ShippingAddresses = append(out.ShippingAddresses, addr)
	}
	if b := c.Billing; b != nil {
		out.BillingAddress = addressView(b)
	} else if c.Address != nil {
		out.BillingAddress = addressView(c.Address)
	}
	for _, m := range checkout.PaymentMethods {
		if (m.Code == "free") == (t.GrandTotal == 0) {
			out.AvailablePaymentMethods = append(out.AvailablePaymentMethods, &AvailablePaymentMethod{Code: m.Code, Title: m.Title})
		}
	}
	out.SelectedPaymentMethod = &SelectedPaymentMethod{Code: c.PaymentMethod, Title: checkout.PaymentTitle(c.PaymentMethod)}
	return out, nil
}

// addressFrom reads an address input.
func addressFrom(in *CartAddressInput) checkout.Address {
	a := checkout.Address{Firstname: in.Firstname, Lastname: in.Lastname, Street: in.Street, City: in.City, CountryCode: in.CountryCode}
	for dst, src := range map[*string]*string{&a.Company: in.Company, &a.Region: in.Region, &a.Postcode: in.Postcode, &a.Telephone: in.Telephone} {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	return a
}

// addressView shows an address as the schema's cart address fields.
func addressView(a *checkout.Address) *BillingCartAddress {
	out := &BillingCartAddress{Firstname: a.Firstname, Lastname: a.Lastname, City: a.City, Country: &CartAddressCountry{Code: a.CountryCode, Label: a.CountryCode},
		Company: optional(a.Company), Postcode: optional(a.Postcode), Telephone: optional(a.Telephone), Street: []*string{}}
	for _, s := range a.Street {
		out.Street = append(out.Street, &s)
	}
	if a.Region != "" {
		out.Region = &CartAddressRegion{Code: &a.Region, Label: &a.Region}
	}
	return out
}

// cartAfter shapes the cart a mutation returns, or passes the mutation's error on.
func (r *Resolver) cartAfter(ctx context.Context, c checkout.Cart, err error) (*Cart, error) {
	if err != nil {
		return nil, err
	}
	return r.cartView(ctx, c)
}

func productView(p catalog.Product, cur string) *SimpleProduct {
	price := &ProductPrice{RegularPrice: money(p.Price, cur), FinalPrice: money(p.Price, cur)}
	key := strings.ToLower(p.SKU)
	stock := ProductStockStatusInStock
	return &SimpleProduct{UID: encodeUID(p.ID), Sku: &p.SKU, Name: &p.Name, URLKey: &key, StockStatus: &stock, PriceRange: &PriceRange{MinimumPrice: price}}
}

// money is an amount in minor units as the schema's Money.
func money(minor int64, currency string) *Money {
	v := float64(minor) / 100
	return &Money{Value: &v, Currency: &currency}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// encodeUID is Magento's uid of an entity: its id, base64-encoded.
func encodeUID(id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// decodeUID reads a uid; false when it is not one.
func decodeUID(uid string) (int64, bool) {
	b, err := base64.StdEncoding.DecodeString(uid)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	return id, err == nil && id > 0
}

// itemID is the cart item a mutation names, by uid or (legacy) id.
func itemID(uid *string, id *int) (int64, error) {
	switch {
	case uid != nil:
		if n, ok := decodeUID(*uid); ok {
			return n, nil
		}
		return 0, inputError(fmt.Sprintf("Value of uid %q is incorrect.", *uid))
	case id != nil:
		return int64(*id), nil
	}
	return 0, inputError(`Required parameter "cart_item_uid" for "cart_items" is missing.`)
}

// quantity is a whole quantity from the schema's Float.
func quantity(q float64) (int, error) {
	if q != float64(int(q)) || q < 0 || q > checkout.MaxQty {
		return 0, checkout.ErrQty
	}
	return int(q), nil
}
