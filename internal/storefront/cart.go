package storefront

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/directory"
	"audienceactivation/internal/money"
	"audienceactivation/internal/storefront/model"
)

// maxCartID bounds a masked cart id read from a request.
const maxCartID = 64

// openCart loads the cart a request names, if this shopper may use it: a guest's cart by
// anyone holding its masked id (and no customer token), a customer's cart only with that
// customer's token, and only on its own website.
func (r *Resolver) openCart(ctx context.Context, maskedID string) (checkout.Cart, error) {
	var customerID int64
	if c := shopperOf(ctx).Customer; c != nil {
		customerID = c.ID
	}
	return r.openCartAs(ctx, maskedID, customerID)
}

// openCartAs is openCart for a cart that must belong to customerID (0: a guest's cart).
func (r *Resolver) openCartAs(ctx context.Context, maskedID string, customerID int64) (checkout.Cart, error) {
	req := shopperOf(ctx)
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
	case c.WebsiteID != req.View.WebsiteID:
		return checkout.Cart{}, inputError("Wrong store code specified for cart")
	}
	return c, nil
}

// cartView prices the cart for the request's shopper and shapes it as the schema's Cart.
func (r *Resolver) cartView(ctx context.Context, c checkout.Cart) (*model.Cart, error) {
	req := shopperOf(ctx)
	t, err := r.deps.Checkout.Totals(ctx, c, req.Pricing())
	if err != nil {
		return nil, err
	}
	rate, err := r.deps.Checkout.ShippingRate(ctx, c)
	if err != nil {
		return nil, err
	}
	cur := req.View.Currency
	labels := map[int64]string{}
	out := &model.Cart{ID: c.MaskedID, ShippingAddresses: []*model.ShippingCartAddress{}, Items: []model.CartItemInterface{}, Rules: []*model.CartRuleStorefront{},
		AppliedGiftCards: []*model.AppliedGiftCard{}}
	for _, a := range t.Result.Applied {
		label := a.Label
		if label == "" {
			label = "Discount"
		}
		labels[a.RuleID] = label
		out.Rules = append(out.Rules, &model.CartRuleStorefront{Name: a.Name})
	}
	for i, l := range c.Lines {
		ir := t.Result.Items[i]
		row := l.Item.Price * int64(l.Qty)
		prices := &model.CartItemPrices{Price: moneyOf(l.Item.Price, cur), RowTotal: moneyOf(row, cur), RowTotalIncludingTax: moneyOf(row, cur),
			TotalItemDiscount: moneyOf(ir.Discount, cur), Discounts: []*model.Discount{}}
		for _, ld := range ir.Lines {
			if ld.Amount > 0 {
				prices.Discounts = append(prices.Discounts, &model.Discount{Label: labels[ld.RuleID], Amount: moneyOf(ld.Amount, cur), AppliedTo: model.CartDiscountTypeItem})
			}
		}
		out.Items = append(out.Items, &model.SimpleCartItem{UID: encodeUID(l.ID), ID: strconv.FormatInt(l.ID, 10), Quantity: float64(l.Qty),
			Product: productView(l.Item, cur), Prices: prices, Errors: []*model.CartItemError{}})
		out.TotalQuantity += float64(l.Qty)
	}
	out.TotalSummaryQuantityIncludingConfig = ptr(out.TotalQuantity)
	discounts := []*model.Discount{}
	for _, a := range t.Result.Applied {
		if item := a.Discount - a.ShippingDiscount; item > 0 {
			discounts = append(discounts, &model.Discount{Label: labels[a.RuleID], Amount: moneyOf(item, cur), AppliedTo: model.CartDiscountTypeItem})
		}
		if a.ShippingDiscount > 0 {
			discounts = append(discounts, &model.Discount{Label: labels[a.RuleID], Amount: moneyOf(a.ShippingDiscount, cur), AppliedTo: model.CartDiscountTypeShipping})
		}
	}
	itemsDiscount := t.Result.ItemsDiscount
	out.Prices = &model.CartPrices{GrandTotal: moneyOf(t.GrandTotal, cur), SubtotalExcludingTax: moneyOf(t.Subtotal, cur), SubtotalIncludingTax: moneyOf(t.Subtotal, cur),
		SubtotalWithDiscountExcludingTax: moneyOf(t.Subtotal-itemsDiscount, cur), Discounts: discounts, AppliedTaxes: []*model.CartTaxItem{}}
	if t.Result.CouponApplied {
		out.AppliedCoupon = &model.AppliedCoupon{Code: c.CouponCode}
		out.AppliedCoupons = []*model.AppliedCoupon{out.AppliedCoupon}
	}
	if c.Email != "" {
		out.Email = &c.Email
	} else if req.Customer != nil && c.CustomerID == req.Customer.ID {
		out.Email = &req.Customer.Email
	}
	if a := c.Address; a != nil {
		v := addressView(a)
		addr := &model.ShippingCartAddress{Firstname: v.Firstname, Lastname: v.Lastname, Company: v.Company, Street: v.Street, City: v.City, Region: v.Region,
			Postcode: v.Postcode, Country: v.Country, Telephone: v.Telephone}
		if amount, ok := rate.Quote(c); ok {
			code, title := "flatrate", "Flat Rate"
			addr.AvailableShippingMethods = []*model.AvailableShippingMethod{{CarrierCode: code, CarrierTitle: title, MethodCode: &code, MethodTitle: &title,
				Amount: moneyOf(amount, cur), Available: true, PriceExclTax: moneyOf(amount, cur), PriceInclTax: moneyOf(amount, cur)}}
			if c.ShippingMethod == checkout.FlatRateMethod {
				addr.SelectedShippingMethod = &model.SelectedShippingMethod{CarrierCode: code, CarrierTitle: title, MethodCode: code, MethodTitle: title,
					Amount: moneyOf(t.Shipping, cur)}
			}
		}
		out.ShippingAddresses = append(out.ShippingAddresses, addr)
	}
	// As Magento, the billing address is null until one is set (a shipping address is not
	// one): Venia's "same as shipping" box reads it so.
	if b := c.Billing; b != nil {
		out.BillingAddress = addressView(b)
	}
	for _, m := range checkout.AvailablePaymentMethods(t) {
		out.AvailablePaymentMethods = append(out.AvailablePaymentMethods, &model.AvailablePaymentMethod{Code: m.Code, Title: m.Title})
	}
	out.SelectedPaymentMethod = &model.SelectedPaymentMethod{Code: c.PaymentMethod, Title: checkout.PaymentTitle(c.PaymentMethod)}
	return out, nil
}

// addressFrom reads an address input. Venia sends the second street line as null when it
// is empty: null lines are dropped, as empty ones are.
func addressFrom(in *model.CartAddressInput) checkout.Address {
	a := checkout.Address{Firstname: in.Firstname, Lastname: in.Lastname, City: in.City, CountryCode: in.CountryCode}
	for _, l := range in.Street {
		if l != nil {
			a.Street = append(a.Street, *l)
		}
	}
	for dst, src := range map[*string]*string{&a.Company: in.Company, &a.Region: in.Region, &a.Postcode: in.Postcode, &a.Telephone: in.Telephone} {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if in.RegionID != nil {
		a.RegionID = *in.RegionID
	}
	return a
}

// addressFromBook is a customer's saved address as a cart address.
func addressFromBook(b customers.Address) checkout.Address {
	return checkout.Address{Firstname: b.Firstname, Lastname: b.Lastname, Company: b.Company, Street: b.Street, City: b.City, Region: b.Region,
		RegionCode: b.RegionCode, RegionID: b.RegionID, Postcode: b.Postcode, CountryCode: b.CountryCode, Telephone: b.Telephone}
}

// addressView shows an address as the schema's cart address fields.
func addressView(a *checkout.Address) *model.BillingCartAddress {
	country := &model.CartAddressCountry{Code: a.CountryCode, Label: a.CountryCode}
	if c, ok := directory.CountryByCode(a.CountryCode); ok {
		country.Label = c.Name
	}
	out := &model.BillingCartAddress{Firstname: a.Firstname, Lastname: a.Lastname, City: a.City, Country: country,
		Company: optional(a.Company), Postcode: optional(a.Postcode), Telephone: optional(a.Telephone), Street: []*string{}}
	for _, s := range a.Street {
		out.Street = append(out.Street, &s)
	}
	switch {
	case a.RegionID != 0:
		out.Region = &model.CartAddressRegion{Code: &a.RegionCode, Label: &a.Region, RegionID: &a.RegionID}
	case a.Region != "":
		out.Region = &model.CartAddressRegion{Code: &a.Region, Label: &a.Region}
	}
	return out
}

// cartAfter shapes the cart a mutation returns, or passes the mutation's error on.
func (r *Resolver) cartAfter(ctx context.Context, c checkout.Cart, err error) (*model.Cart, error) {
	if err != nil {
		return nil, err
	}
	return r.cartView(ctx, c)
}

// productView is a product as the schema's SimpleProduct. A product's URL key is its SKU
// in lower case (the url_key filter reads it back so). Products here carry no images,
// descriptions or attribute metadata: those fields answer empty (image URLs null, lists
// []), as Magento answers for a product that has none.
func productView(p catalog.Product, cur string) *model.SimpleProduct {
	// Immutable parts are shared: the cart's items are marshalled, never changed, and a
	// cart answer builds one of these per line.
	m := moneyOf(p.Price, cur)
	price := &model.ProductPrice{RegularPrice: m, FinalPrice: m, Discount: noDiscount}
	amount := &model.Price{Amount: m}
	image := &model.ProductImage{Label: &p.Name}
	out := &model.SimpleProduct{ID: ptr(int(p.ID)), UID: encodeUID(p.ID), Sku: &p.SKU, Name: &p.Name, URLKey: ptr(strings.ToLower(p.SKU)), StockStatus: &inStock,
		PriceRange: &model.PriceRange{MinimumPrice: price, MaximumPrice: price}, Price: &model.ProductPrices{RegularPrice: amount, MinimalPrice: amount, MaximalPrice: amount},
		SmallImage: image, Thumbnail: image, Description: noText, ShortDescription: noText, MetaTitle: &p.Name,
		MediaGalleryEntries: []*model.MediaGalleryEntry{}, Categories: []model.CategoryInterface{}, CustomAttributes: []*model.CustomAttribute{}, Type: &productRoute}
	out.RelativeURL = ptr(*out.URLKey + productURLSuffix)
	if p.Weight > 0 {
		out.Weight = &p.Weight
	}
	for i, name := range p.Categories {
		var id int64
		if i < len(p.CategoryID) {
			id = p.CategoryID[i]
		}
		key := categoryKey(name)
		// Categories have no storefront pages here: no relative_url.
		out.Categories = append(out.Categories, &model.CategoryTree{UID: encodeUID(id), Name: ptr(name), URLKey: &key, URLPath: &key, Breadcrumbs: []*model.Breadcrumb{},
			Type: &categoryRoute})
	}
	return out
}

// The values every product shares (never changed once made).
var (
	noText        = &model.ComplexTextValue{}
	noDiscount    = &model.ProductDiscount{AmountOff: ptr(0.0), PercentOff: ptr(0.0)}
	inStock       = model.ProductStockStatusInStock
	productRoute  = model.URLRewriteEntityTypeEnumProduct
	categoryRoute = model.URLRewriteEntityTypeEnumCategory
)

// categoryKey is a category's URL key: its name in lower case, each run of characters
// other than letters and digits one hyphen, as Magento derives one.
func categoryKey(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		} else {
			hyphen = true
		}
	}
	return b.String()
}

// moneyOf is an amount in minor units as the schema's Money, whose value is a Float:
// the float nearest to the exact amount (money.Float), written as money.Format writes it.
func moneyOf(minor int64, currency string) *model.Money {
	v := money.Float(minor)
	return &model.Money{Value: &v, Currency: &currency}
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

// addItems adds the items to the cart one by one; an item refused (an unknown SKU, a bad
// quantity, options this catalog does not have) is a user error beside the others, as
// Magento's addProductsToCart reports it.
func (r *Resolver) addItems(ctx context.Context, cartID string, cartItems []model.CartItemInput) (*model.AddProductsToCartOutput, error) {
	if len(cartItems) > maxCartItems {
		return nil, inputError(fmt.Sprintf("Add at most %d items at once.", maxCartItems))
	}
	c, err := r.openCart(ctx, cartID)
	if err != nil {
		return nil, err
	}
	out := &model.AddProductsToCartOutput{UserErrors: []model.CartUserInputError{}}
	for _, item := range cartItems {
		qty, err := quantity(item.Quantity)
		if err == nil && qty == 0 {
			err = checkout.ErrQty
		}
		switch {
		case err != nil:
		case item.ParentSku != nil && *item.ParentSku != "" && !strings.EqualFold(*item.ParentSku, item.Sku):
			// Only configurable products have variants, and the catalog has none.
			out.UserErrors = append(out.UserErrors, model.CartUserInputError{Message: fmt.Sprintf("Could not find a product with SKU %q", *item.ParentSku),
				Code: model.CartUserInputErrorTypeProductNotFound})
			continue
		case len(item.SelectedOptions) > 0 || len(item.EnteredOptions) > 0:
			out.UserErrors = append(out.UserErrors, model.CartUserInputError{Message: "The product's required option(s) weren't entered. Make sure the options are entered and try again.",
				Code: model.CartUserInputErrorTypeUndefined})
			continue
		default:
			var added checkout.Cart
			if added, err = r.deps.Checkout.AddItem(ctx, c, item.Sku, qty); err == nil {
				c = added
			}
		}
		switch {
		case err == nil:
		case checkout.IsShopperError(err):
			code := model.CartUserInputErrorTypeUndefined
			if strings.HasPrefix(err.Error(), "Could not find a product") {
				code = model.CartUserInputErrorTypeProductNotFound
			}
			out.UserErrors = append(out.UserErrors, model.CartUserInputError{Message: err.Error(), Code: code})
		default:
			return nil, err
		}
	}
	out.Cart, err = r.cartView(ctx, c)
	return out, err
}
