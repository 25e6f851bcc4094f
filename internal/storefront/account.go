package storefront

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/storefront/model"
)

// signedIn is the request's customer, or Magento's refusal for a guest.
func signedIn(ctx context.Context) (*customers.Customer, error) {
	c := shopperOf(ctx).Customer
	if c == nil {
		return nil, errUnauthorized
	}
	return c, nil
}

// customerView is the signed-in customer with what the query asks of them: the address
// book and the orders are read only when asked for. Customer's fields have no resolvers of
// their own (see exec/edits.go: nothing below the root is resolved concurrently), so the
// orders' arguments are read here, from the query.
func (r *Resolver) customerView(ctx context.Context, c *customers.Customer) (*model.Customer, error) {
	out := &model.Customer{Firstname: &c.Firstname, Lastname: &c.Lastname, Email: &c.Email, IsSubscribed: ptr(false), Wishlists: []*model.Wishlist{}}
	oc := graphql.GetOperationContext(ctx)
	book := false
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "addresses", "default_shipping", "default_billing":
			book = true
		case "orders":
			if out.Orders != nil {
				continue
			}
			orders, err := r.customerOrders(ctx, c, f.ArgumentMap(oc.Variables))
			if err != nil {
				return nil, err
			}
			out.Orders = orders
		}
	}
	if book {
		addresses, err := r.deps.Customers.Addresses(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out.Addresses = []*model.CustomerAddress{}
		for _, a := range addresses {
			v := customerAddressView(a)
			out.Addresses = append(out.Addresses, v)
			if a.DefaultShipping {
				out.DefaultShipping = ptr(fmt.Sprint(a.ID))
			}
			if a.DefaultBilling {
				out.DefaultBilling = ptr(fmt.Sprint(a.ID))
			}
		}
	}
	return out, nil
}

// customerOrders are the customer's orders, newest first, filtered by number as asked.
func (r *Resolver) customerOrders(ctx context.Context, c *customers.Customer, args map[string]any) (*model.CustomerOrders, error) {
	size, page, err := paging(intArg(args["pageSize"]), intArg(args["currentPage"]), 100)
	if err != nil {
		return nil, err
	}
	f := checkout.OrderFilter{CustomerID: c.ID, Page: page, PerPage: size}
	if filter, ok := args["filter"].(map[string]any); ok {
		if number, ok := filter["number"].(map[string]any); ok {
			eq, _ := number["eq"].(string)
			if eq == "" {
				return nil, inputError("Filter orders by number with eq.")
			}
			f.Number = eq
		}
	}
	list, total, err := r.deps.Checkout.Orders(ctx, f)
	if err != nil {
		return nil, err
	}
	cur := shopperOf(ctx).View.Currency
	out := &model.CustomerOrders{Items: []*model.CustomerOrder{}, TotalCount: ptr(int(total)), PageInfo: pageInfo(page, size, int(total))}
	for _, s := range list {
		o, err := r.deps.Checkout.Order(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		v := &model.CustomerOrder{ID: encodeUID(o.ID), Number: o.IncrementID, OrderDate: o.CreatedAt.UTC().Format(time.DateTime), Status: "Pending",
			Email: &o.Email, Total: &model.OrderTotal{Subtotal: moneyOf(o.Subtotal, cur), GrandTotal: moneyOf(o.GrandTotal, cur), TotalShipping: moneyOf(o.Shipping, cur),
				Discounts: []*model.Discount{}}}
		if a := o.Address; a != nil {
			v.ShippingAddress = orderAddressView(a)
			v.ShippingMethod = ptr("Flat Rate - Fixed")
		}
		if a := o.Billing; a != nil {
			v.BillingAddress = orderAddressView(a)
		}
		for _, rule := range o.AppliedRules {
			label := rule.Label
			if label == "" {
				label = "Discount"
			}
			v.Total.Discounts = append(v.Total.Discounts, &model.Discount{Label: label, Amount: moneyOf(rule.Discount, cur), AppliedTo: model.CartDiscountTypeItem})
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

func intArg(v any) *int {
	switch n := v.(type) {
	case int:
		return &n
	case int64:
		i := int(n)
		return &i
	}
	return nil
}

func orderAddressView(a *checkout.Address) *model.OrderAddress {
	out := &model.OrderAddress{Firstname: a.Firstname, Lastname: a.Lastname, Company: optional(a.Company), City: a.City, Region: optional(a.Region),
		Postcode: optional(a.Postcode), Telephone: optional(a.Telephone), Street: []*string{}}
	if a.RegionID != 0 {
		out.RegionID = ptr(fmt.Sprint(a.RegionID))
	}
	code := model.CountryCodeEnum(a.CountryCode)
	if code.IsValid() {
		out.CountryCode = &code
	}
	for _, s := range a.Street {
		out.Street = append(out.Street, &s)
	}
	return out
}

func customerAddressView(a customers.Address) *model.CustomerAddress {
	id := int(a.ID)
	out := &model.CustomerAddress{ID: &id, Firstname: &a.Firstname, Lastname: &a.Lastname, Company: optional(a.Company), City: &a.City,
		Postcode: optional(a.Postcode), Telephone: optional(a.Telephone), CountryID: &a.CountryCode, DefaultShipping: &a.DefaultShipping,
		DefaultBilling: &a.DefaultBilling, Street: []*string{}, Region: &model.CustomerAddressRegion{Region: optional(a.Region), RegionCode: optional(a.RegionCode)}}
	if a.RegionID != 0 {
		out.RegionID, out.Region.RegionID = &a.RegionID, &a.RegionID
	}
	code := model.CountryCodeEnum(a.CountryCode)
	out.CountryCode = &code
	for _, s := range a.Street {
		out.Street = append(out.Street, &s)
	}
	return out
}

// addressFromInput lays the given fields of a customer address input over a (Magento's
// updateCustomerAddress changes only the fields it is sent).
func addressFromInput(a customers.Address, in model.CustomerAddressInput) customers.Address {
	for dst, src := range map[*string]*string{&a.Firstname: in.Firstname, &a.Lastname: in.Lastname, &a.Company: in.Company, &a.City: in.City,
		&a.Postcode: in.Postcode, &a.Telephone: in.Telephone} {
		if src != nil {
			*dst = *src
		}
	}
	if in.Street != nil {
		a.Street = nil
		for _, l := range in.Street {
			if l != nil {
				a.Street = append(a.Street, *l)
			}
		}
	}
	switch {
	case in.CountryCode != nil:
		a.CountryCode = string(*in.CountryCode)
	case in.CountryID != nil:
		a.CountryCode = string(*in.CountryID)
	}
	if in.Region != nil {
		a.Region, a.RegionCode, a.RegionID = "", "", 0
		if in.Region.Region != nil {
			a.Region = *in.Region.Region
		}
		if in.Region.RegionCode != nil {
			a.RegionCode = *in.Region.RegionCode
		}
		if in.Region.RegionID != nil {
			a.RegionID = *in.Region.RegionID
		}
	}
	if in.DefaultShipping != nil {
		a.DefaultShipping = *in.DefaultShipping
	}
	if in.DefaultBilling != nil {
		a.DefaultBilling = *in.DefaultBilling
	}
	return a
}

// addressError turns the customers service's refusals into Magento's errors.
func addressError(err error, id int64) error {
	var ae customers.AddressError
	switch {
	case errors.As(err, &ae):
		return inputError(ae.Error())
	case errors.Is(err, customers.ErrAddressNotFound):
		return &apiError{msg: fmt.Sprintf("Could not find a address with ID %q", fmt.Sprint(id)), category: "graphql-no-such-entity"}
	}
	return err
}

// savedAddress is one of the signed-in customer's addresses, for a cart.
func (r *Resolver) savedAddress(ctx context.Context, id int) (checkout.Address, error) {
	c, err := signedIn(ctx)
	if err != nil {
		return checkout.Address{}, err
	}
	a, err := r.deps.Customers.Address(ctx, c.ID, int64(id))
	if err != nil {
		return checkout.Address{}, addressError(err, int64(id))
	}
	return addressFromBook(a), nil
}
