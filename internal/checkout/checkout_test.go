package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/snapshot"
	"audienceactivation/internal/stores"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var who = audit.Actor{Username: "t"}

// store is checkout with the real services it works with, on d: the catalog (of the stock
// websites), the price rules (their snapshot and usage counts) and the customers. Shipping
// is the stock flat rate, 5.00 per item (Magento's default and this project's).
type store struct {
	Catalog     *catalog.Service
	Rules       *pricerules.Service
	Customers   *customers.Service
	LiveCatalog *snapshot.Holder[*catalog.Index]
	Checkout    *checkout.Service
}

func setup(t *testing.T, d *db.DB) *store {
	t.Helper()
	log := audit.NewLog(d)
	a := &store{Catalog: catalog.NewService(d, log), Rules: pricerules.NewService(d, log, audiences.NewStore(d)), Customers: customers.NewService(d, log)}
	live := snapshot.New("price rules", a.Rules.Snapshot, nil)
	a.Rules.OnChange = live.Reload
	sites := stores.NewService(d, log)
	a.Catalog.WebsiteCodes = func(ctx context.Context) (map[int64]string, error) {
		ws, err := sites.Websites(ctx)
		codes := map[int64]string{}
		for _, w := range ws {
			codes[w.ID] = w.Code
		}
		return codes, err
	}
	a.LiveCatalog = snapshot.New("catalog", a.Catalog.Index, nil)
	a.Catalog.OnChange = a.LiveCatalog.Reload
	a.Checkout = checkout.NewService(d, checkout.Sources{Rules: live.Current, Usage: a.Rules,
		Products: func(ctx context.Context, skus []string) (map[string]catalog.Product, error) {
			x, err := a.LiveCatalog.Current(ctx)
			if err != nil {
				return nil, err
			}
			return x.BySKU(skus), nil
		},
		Shipping: func(context.Context, int64) (checkout.FlatRate, error) {
			return checkout.FlatRate{Enabled: true, PerItem: true, Price: 500}, nil
		}})
	a.Checkout.OnCouponUsedUp = live.Reload
	csv := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Running tee,25.00,0.2,Tees,base,\nMUG,Coffee mug,9.50,0.4,Home,base,\n"
	if res, err := a.Catalog.Import(context.Background(), who, strings.NewReader(csv)); err != nil || res.Created != 2 {
		t.Fatalf("import: %v %+v", err, res)
	}
	return a
}

func couponRule(t *testing.T, a *store, code string, limit int) {
	t.Helper()
	if _, err := a.Rules.Save(context.Background(), who, pricerules.Rule{Name: "Ten off", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
		CouponType: pricerules.CouponSpecific, CouponCode: code, UsesPerCoupon: limit, Action: pricerules.ByPercent, Amount: 1000,
		FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "10% off", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
}

// A guest cart: lines, flat-rate shipping per item, a coupon that is refused when unknown
// and discounts when valid, and an order that records it and closes the cart.
func TestCartTotalsCouponAndOrder(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		couponRule(t, a, "SAVE10", 0)
		shopper := checkout.Shopper{CustomerGroupID: 0}
		c, err := a.Checkout.Create(ctx, 1, 1, 0, checkout.FlatRateMethod)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Checkout.AddItem(ctx, c, "NOPE", 1); err == nil || !strings.Contains(err.Error(), `"NOPE"`) {
			t.Fatalf("unknown SKU: %v", err)
		}
		if _, err := a.Checkout.AddItem(ctx, c, "TEE-1", 0); !errors.Is(err, checkout.ErrQty) {
			t.Fatalf("qty 0: %v", err)
		}
		// Each change answers the cart as it is after, without reading it again: the second
		// add starts from the cart before the first, as a second browser tab would.
		before := c
		c, _ = a.Checkout.AddItem(ctx, before, "TEE-1", 1)
		c, _ = a.Checkout.AddItem(ctx, before, "TEE-1", 1)
		if c, err = a.Checkout.AddItem(ctx, c, "MUG", 1); err != nil || len(c.Lines) != 2 || c.Lines[0].Qty != 2 || c.Lines[1].SKU != "MUG" {
			t.Fatalf("lines: %+v %v", c.Lines, err)
		}
		tot, err := a.Checkout.Totals(ctx, c, shopper)
		if err != nil {
			t.Fatal(err)
		}
		// 2 × 25.00 + 9.50; flat rate 5.00 per item × 3.
		if tot.Subtotal != 5950 || tot.Shipping != 1500 || tot.Discount != 0 || tot.GrandTotal != 7450 {
			t.Fatalf("totals %+v", tot)
		}
		if _, err := a.Checkout.SetCoupon(ctx, c, "WRONG", shopper); err == nil || err.Error() != `The coupon code "WRONG" is not valid.` {
			t.Fatalf("unknown coupon: %v", err)
		}
		if c, err = a.Checkout.SetCoupon(ctx, c, "save10", shopper); err != nil {
			t.Fatal(err)
		}
		if tot, _ = a.Checkout.Totals(ctx, c, shopper); tot.Discount != 595 || tot.GrandTotal != 6855 || tot.Result.Applied[0].Label != "10% off" {
			t.Fatalf("with coupon %+v", tot)
		}
		if stored, err := a.Checkout.Get(ctx, c.MaskedID); err != nil || !reflect.DeepEqual(stored, c) {
			t.Fatalf("the cart as the changes answered it:\n%+v\nas stored:\n%+v (%v)", c, stored, err)
		}
		o, err := a.Checkout.PlaceOrder(ctx, c, shopper, false)
		if err != nil || o.Totals.GrandTotal != 6855 {
			t.Fatalf("order %+v %v", o, err)
		}
		if _, err := a.Checkout.PlaceOrder(ctx, c, shopper, false); !errors.Is(err, checkout.ErrCartNotFound) {
			t.Fatalf("second order from one cart: %v", err)
		}
		if _, err := a.Checkout.AddItem(ctx, c, "MUG", 1); !errors.Is(err, checkout.ErrCartNotFound) {
			t.Fatalf("second order from one cart: %v", err)
		}
		var used, rules int64
		d.Raw("SELECT times_used FROM coupons").Scan(&used)
		d.Raw("SELECT COUNT(*) FROM order_rules WHERE order_id = ?", o.ID).Scan(&rules)
		if used != 1 || rules != 1 {
			t.Fatalf("coupon used %d, order rules %d", used, rules)
		}
	})
}

// 50 shoppers place orders at once with one coupon limited to 10 uses: exactly 10 orders
// carry it, the other 40 get a clear error and write nothing.
func TestCouponLimitHoldsUnderConcurrentOrders(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		couponRule(t, a, "TEN", 10)
		shopper := checkout.Shopper{CustomerGroupID: 0}
		carts := make([]checkout.Cart, 50)
		for i := range carts {
			c, err := a.Checkout.Create(ctx, 1, 1, 0, checkout.FlatRateMethod)
			if err != nil {
				t.Fatal(err)
			}
			c, _ = a.Checkout.AddItem(ctx, c, "MUG", 1)
			if carts[i], err = a.Checkout.SetCoupon(ctx, c, "TEN", shopper); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		placed, refused := 0, 0
		for _, c := range carts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Checkout.PlaceOrder(ctx, c, shopper, false)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					placed++
				case errors.Is(err, pricerules.ErrCouponUsedUp) || err.Error() == `The coupon code "TEN" is not valid.`:
					refused++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		var orders, used, open int64
		d.Raw("SELECT COUNT(*) FROM orders WHERE coupon_code = 'TEN'").Scan(&orders)
		d.Raw("SELECT times_used FROM coupons").Scan(&used)
		d.Raw("SELECT COUNT(*) FROM carts WHERE is_active = ?", true).Scan(&open)
		if placed != 10 || refused != 40 || orders != 10 || used != 10 || open != 40 {
			t.Fatalf("placed %d refused %d; orders %d, coupon used %d, carts still open %d", placed, refused, orders, used, open)
		}
	})
}

// Carts under concurrent requests: a double-clicked add of a new line adds twice, never
// fails; two requests for a customer's cart get one cart; a guest cart merged twice at
// once is merged once.
func TestCartsHoldUnderConcurrentRequests(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		c, err := a.Checkout.Create(ctx, 1, 1, 0, checkout.FlatRateMethod)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := a.Checkout.AddItem(ctx, c, "MUG", 1)
				errs <- err
			}()
		}
		wg.Wait()
		for i := 0; i < 10; i++ {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent add: %v", err)
			}
		}
		if got, _ := a.Checkout.Get(ctx, c.MaskedID); len(got.Lines) != 1 || got.Lines[0].Qty != 10 {
			t.Fatalf("after 10 adds: %+v", got.Lines)
		}

		cu, err := a.Customers.Save(ctx, who, 0, customers.Input{WebsiteID: 1, Email: "c@example.com", Firstname: "C", Lastname: "D", GroupID: 1, Password: "password 123"})
		if err != nil {
			t.Fatal(err)
		}
		ids := make(chan string, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cc, err := a.Checkout.CustomerCart(ctx, cu.ID, 1, 1, "")
				if err != nil {
					errs <- err
					return
				}
				ids <- cc.MaskedID
			}()
		}
		wg.Wait()
		close(ids)
		var mine string
		for id := range ids {
			if mine != "" && id != mine {
				t.Fatalf("two carts for one customer: %s and %s", mine, id)
			}
			mine = id
		}
		if len(errs) > 0 {
			t.Fatalf("customer cart: %v", <-errs)
		}
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				guest, err := a.Checkout.Get(ctx, c.MaskedID)
				if err != nil {
					return // merged already
				}
				dest, err := a.Checkout.Get(ctx, mine)
				if err == nil {
					a.Checkout.Merge(ctx, guest, dest)
				}
			}()
		}
		wg.Wait()
		if got, _ := a.Checkout.Get(ctx, mine); len(got.Lines) != 1 || got.Lines[0].Qty != 10 {
			t.Fatalf("after merging the guest cart five times at once: %+v", got.Lines)
		}
	})
}

// Rules on the shipping address and the payment method see what checkout set: a French
// address earns free shipping, paying by check earns 5 % off; an order records both.
func TestAddressAndPaymentConditionsApply(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := setup(t, d)
		save := func(name string, cond pricerules.Condition, action pricerules.ActionType, amount int64, free pricerules.FreeShipping) {
			t.Helper()
			if _, err := a.Rules.Save(ctx, who, pricerules.Rule{Name: name, Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
				CouponType: pricerules.CouponNone, Action: action, Amount: amount, FreeShipping: free, DefaultLabel: name,
				Conditions: pricerules.All(cond), ActionConditions: pricerules.All()}); err != nil {
				t.Fatal(err)
			}
		}
		save("Free shipping to France", pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrCountry, Operator: pricerules.OpIs, Value: "FR"},
			pricerules.ByPercent, 0, pricerules.FreeShippingMatching)
		save("Check payers", pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrPaymentMethod, Operator: pricerules.OpIs, Value: "checkmo"},
			pricerules.ByPercent, 500, pricerules.FreeShippingNo)
		shopper := checkout.Shopper{}
		c, err := a.Checkout.Create(ctx, 1, 1, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		c, _ = a.Checkout.AddItem(ctx, c, "TEE-1", 2)
		if tot, _ := a.Checkout.Totals(ctx, c, shopper); len(tot.Result.Applied) != 0 {
			t.Fatalf("before the address: %+v", tot.Result.Applied)
		}
		addr := checkout.Address{Firstname: "Ana", Lastname: "Roy", Street: []string{"1 rue de Rivoli"}, City: "Paris", Postcode: "75001", CountryCode: "FR", Telephone: "0102030405"}
		if c, err = a.Checkout.SetAddress(ctx, c, addr); err != nil {
			t.Fatal(err)
		}
		if c, err = a.Checkout.SetShippingMethod(ctx, c, "flatrate", "flatrate"); err != nil {
			t.Fatal(err)
		}
		tot, _ := a.Checkout.Totals(ctx, c, shopper)
		if !tot.Result.FreeShipping || tot.Shipping == 0 || tot.ShippingDiscount != tot.Shipping || tot.Discount != tot.Shipping {
			t.Fatalf("French address: %+v", tot)
		}
		if c, err = a.Checkout.SetPaymentMethod(ctx, c, "checkmo", shopper); err != nil {
			t.Fatal(err)
		}
		tot, _ = a.Checkout.Totals(ctx, c, shopper)
		if tot.Discount != tot.Shipping+250 || len(tot.Result.Applied) != 2 {
			t.Fatalf("paying by check: %+v", tot)
		}
		o, err := a.Checkout.PlaceOrder(ctx, c, shopper, false)
		if err != nil || o.Totals.GrandTotal != 5000-250 {
			t.Fatalf("order %+v %v", o.Totals, err)
		}
	})
}

// A cart holds at most MaxLines different products (the public API reads every line of a
// cart); more of a product already in it is still added.
func TestCartLinesAreBounded(t *testing.T) {
	ctx := context.Background()
	a := setup(t, dbtest.New(t))
	var csv strings.Builder
	csv.WriteString("sku,name,price,weight,categories,websites,attributes\n")
	for i := 0; i <= checkout.MaxLines; i++ {
		fmt.Fprintf(&csv, "P-%d,Product %d,1.00,0.1,Misc,base,\n", i, i)
	}
	if _, err := a.Catalog.Import(ctx, who, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	a.LiveCatalog.Reload()
	c, err := a.Checkout.Create(ctx, 1, 1, 0, checkout.FlatRateMethod)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < checkout.MaxLines; i++ {
		if c, err = a.Checkout.AddItem(ctx, c, fmt.Sprintf("P-%d", i), 1); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
	}
	if _, err := a.Checkout.AddItem(ctx, c, fmt.Sprintf("P-%d", checkout.MaxLines), 1); err == nil || !strings.Contains(err.Error(), "the most it can") {
		t.Fatalf("one line too many: %v", err)
	}
	if got, err := a.Checkout.AddItem(ctx, c, "P-0", 2); err != nil || len(got.Lines) != checkout.MaxLines {
		t.Fatalf("more of a product already in the cart: %v", err)
	}
}
