package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	_ "github.com/vektah/gqlparser/v2/validator/rules"

	"audienceactivation/internal/checkout"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/pricerules"
)

// PWA Studio (Venia, the Adobe Commerce build, with check / money order) is the headless
// client that decides whether the storefront API runs existing clients unchanged. These
// tests read its GraphQL documents from the npm packages pinned in testdata/pwa-studio
// (installed by `make pwa-deps`), at test time: no copy of them is kept here.

// pwaDir holds the npm project: package.json, the lockfile and the extraction script.
const pwaDir = "testdata/pwa-studio"

const (
	talons = "@magento/peregrine/lib/talons/"
	venia  = "@magento/venia-ui/lib/components/"
)

// pwaJourneys are the shopper's journeys and the modules whose documents each one sends:
// the talons' operations (their .gql modules, as Venia's build resolves them for Adobe
// Commerce) and the components and talons that declare documents of their own.
var pwaJourneys = []struct {
	name    string
	modules []string
}{
	{"add to cart from the gallery", []string{talons + "Gallery/useAddToCartButton", talons + "Gallery/addToCart.gql", talons + "Gallery/gallery.gql"}},
	{"every page (header and footer)", []string{talons + "Header/storeSwitcher.gql", talons + "Header/currencySwitcher.gql", talons + "Footer/footer.gql"}},
	{"add to cart from the product page", []string{talons + "MagentoRoute/magentoRoute.gql", talons + "RootComponents/Product/product.gql", talons + "ProductFullDetail/useProductFullDetail",
		talons + "ProductFullDetail/productFullDetail.gql"}},
	{"mini cart and cart badge", []string{talons + "MiniCart/miniCart.gql", venia + "MiniCart/miniCart.gql", venia + "Header/cartTrigger.gql"}},
	{"cart page and price summary", []string{talons + "CartPage/cartPage.gql", talons + "CartPage/ProductListing/productListing.gql",
		talons + "CartPage/ProductListing/product.gql", venia + "CartPage/ProductListing/product", talons + "CartPage/ProductListing/EditModal/productForm.gql",
		talons + "CartPage/PriceSummary/priceSummary.gql", talons + "CartPage/PriceAdjustments/ShippingMethods/shippingMethods.gql",
		venia + "CartPage/PriceAdjustments/ShippingMethods/shippingRadios", talons + "CartPage/PriceAdjustments/giftOptionsSection.gql",
		talons + "CartPage/PriceAdjustments/GiftOptions/giftOptions.gql", talons + "CartPage/GiftCards/giftCardQueries.gql"}},
	{"coupons", []string{talons + "CartPage/PriceAdjustments/CouponCode/couponCode.gql"}},
	{"guest checkout", []string{talons + "CheckoutPage/checkoutPage.gql", talons + "CheckoutPage/ShippingInformation/shippingInformation.gql",
		talons + "CheckoutPage/ShippingInformation/AddressForm/guestForm.gql", venia + "Country/country.gql", venia + "Region/region.gql",
		talons + "CheckoutPage/ShippingMethod/shippingMethod.gql", talons + "CheckoutPage/BillingAddress/billingAddress.gql",
		talons + "CheckoutPage/PaymentInformation/paymentInformation.gql", talons + "CheckoutPage/PaymentInformation/paymentMethods.gql",
		talons + "CheckoutPage/PaymentInformation/summary.gql", talons + "CheckoutPage/PaymentInformation/editModal.gql",
		"@magento/venia-sample-payments-checkmo/src/talons/checkmo.gql", talons + "CheckoutPage/ItemsReview/itemsReview.gql",
		talons + "CheckoutPage/OrderConfirmationPage/orderConfirmationPage.gql", talons + "CreateAccount/createAccount.gql#GET_STORE_CONFIG_DATA",
		"@magento/peregrine/lib/hooks/useGoogleReCaptcha/googleReCaptchaConfig.gql"}},
	{"sign in with cart merge", []string{talons + "SignIn/signIn.gql", venia + "SignIn/signIn.gql",
		"@magento/peregrine/lib/hooks/useGoogleReCaptcha/googleReCaptchaConfig.gql"}},
	{"signed-in checkout with the address book", []string{talons + "CheckoutPage/AddressBook/addressBook.gql",
		talons + "CheckoutPage/ShippingInformation/AddressForm/customerForm.gql"}},
	{"dynamic blocks", []string{talons + "CmsDynamicBlock/cmsDynamicBlock.gql"}},
	{"wishlist buttons (off in this store)", []string{talons + "Wishlist/AddToListButton/addToListButton.gql", talons + "Wishlist/WishlistDialog/wishlistDialog.gql",
		talons + "Wishlist/WishlistDialog/CreateWishlistForm/createWishlistForm.gql"}},
}

// pwaDocument is one document a module exports, as Apollo Client sends it.
type pwaDocument struct {
	Module string `json:"module"`
	Export string `json:"export"`
	Source string `json:"source"`
	// sent is the document as Apollo sends it: without its client-only (@client) fields
	// and the fragments only they used, one definition per fragment name, __typename
	// asked of every object; empty when nothing is left to send.
	sent string
	name string // the operation's name
	op   ast.Operation
}

func (d pwaDocument) key() string { return d.Module + "#" + d.Export }

// pwaDocuments installs nothing: it reads the documents from the packages `make pwa-deps`
// installed, skipping the test when they are absent (failing in CI, REQUIRE_PWA=1).
func pwaDocuments(t *testing.T) []pwaDocument {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pwaDir, "node_modules", "@magento", "venia-ui", "package.json")); err != nil {
		msg := "PWA Studio's packages are not installed: run `make pwa-deps`"
		if os.Getenv("REQUIRE_PWA") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var modules []string
	seen := map[string]bool{}
	// "module#EXPORT" takes only that export of the module (a page that sends one of a
	// module's documents on the journey, the others only on another).
	only := map[string][]string{}
	for _, j := range pwaJourneys {
		for _, m := range j.modules {
			m, export, one := strings.Cut(m, "#")
			if one {
				only[m] = append(only[m], export)
			}
			if !seen[m] {
				seen[m] = true
				modules = append(modules, m)
			}
		}
	}
	start := time.Now()
	cmd := exec.Command("node", append([]string{"extract.mjs"}, modules...)...)
	cmd.Dir = pwaDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("extracting PWA Studio's documents: %v\n%s", err, stderr.String())
	}
	var all, docs []pwaDocument
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if exports, some := only[d.Module]; !some || slices.Contains(exports, d.Export) {
			docs = append(docs, d)
		}
	}
	t.Logf("extracted %d documents from %d modules in %v", len(docs), len(modules), time.Since(start).Round(time.Millisecond))
	// A module that yields nothing means the extraction no longer reads the packages as
	// they are (a renamed export, a moved file): the test would pass on nothing.
	found := map[string]bool{}
	for _, d := range docs {
		found[d.Module] = true
	}
	for _, m := range modules {
		if !found[m] {
			t.Errorf("%s: no GraphQL documents extracted", m)
		}
	}
	for i := range docs {
		if err := docs[i].prepare(); err != nil {
			t.Fatalf("%s: %v", docs[i].key(), err)
		}
	}
	return docs
}

// prepare makes the document Apollo Client would send from the source graphql-tag holds.
func (d *pwaDocument) prepare() error {
	doc, err := parser.ParseQuery(&ast.Source{Name: d.key(), Input: d.Source})
	if err != nil {
		return err
	}
	switch len(doc.Operations) {
	case 0:
		return nil // fragments exported for other documents
	case 1:
	default:
		return fmt.Errorf("%d operations in one document", len(doc.Operations))
	}
	d.name, d.op = doc.Operations[0].Name, doc.Operations[0].Operation
	if d.name == "" {
		d.name = "(anonymous)"
	}
	// graphql-tag keeps the first definition of each fragment name.
	var frags ast.FragmentDefinitionList
	for _, f := range doc.Fragments {
		if frags.ForName(f.Name) == nil {
			frags = append(frags, f)
		}
	}
	doc.Fragments = frags
	// Apollo's link removes @client fields and @connection; what asked only for them is
	// not sent at all.
	for _, op := range doc.Operations {
		op.SelectionSet = withoutClientFields(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = withoutClientFields(f.SelectionSet)
	}
	if len(doc.Operations[0].SelectionSet) == 0 {
		return nil
	}
	doc.Fragments = usedFragments(doc)
	// Apollo's cache adds __typename to every selection below the root.
	for _, op := range doc.Operations {
		for _, s := range op.SelectionSet {
			addTypename(s)
		}
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = withTypename(f.SelectionSet)
	}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	d.sent = b.String()
	return nil
}

func withoutClientFields(set ast.SelectionSet) ast.SelectionSet {
	out := ast.SelectionSet{}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Directives.ForName("client") != nil {
				continue
			}
			var dirs ast.DirectiveList
			for _, d := range s.Directives {
				if d.Name != "connection" {
					dirs = append(dirs, d)
				}
			}
			s.Directives = dirs
			if len(s.SelectionSet) > 0 {
				if s.SelectionSet = withoutClientFields(s.SelectionSet); len(s.SelectionSet) == 0 {
					continue
				}
			}
		case *ast.InlineFragment:
			if s.SelectionSet = withoutClientFields(s.SelectionSet); len(s.SelectionSet) == 0 {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

func usedFragments(doc *ast.QueryDocument) ast.FragmentDefinitionList {
	used := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if !used[s.Name] {
					used[s.Name] = true
					if f := doc.Fragments.ForName(s.Name); f != nil {
						walk(f.SelectionSet)
					}
				}
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	var out ast.FragmentDefinitionList
	for _, f := range doc.Fragments {
		if used[f.Name] {
			out = append(out, f)
		}
	}
	return out
}

func addTypename(s ast.Selection) {
	switch s := s.(type) {
	case *ast.Field:
		if len(s.SelectionSet) > 0 {
			s.SelectionSet = withTypename(s.SelectionSet)
		}
	case *ast.InlineFragment:
		for _, c := range s.SelectionSet {
			addTypename(c)
		}
	}
}

func withTypename(set ast.SelectionSet) ast.SelectionSet {
	has := false
	for _, s := range set {
		addTypename(s)
		if f, ok := s.(*ast.Field); ok && f.Name == "__typename" && f.Alias == "__typename" {
			has = true
		}
	}
	if !has {
		set = append(set, &ast.Field{Name: "__typename", Alias: "__typename"})
	}
	return set
}

// storefrontSchema is the schema the API serves.
func storefrontSchema(t *testing.T) *ast.Schema {
	t.Helper()
	src, err := os.ReadFile("../internal/storefront/schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	return s
}

// Every operation of Venia's journeys validates against the storefront schema.
func TestPWAStudioDocumentsValidate(t *testing.T) {
	docs := pwaDocuments(t)
	schema := storefrontSchema(t)
	seen := map[string]bool{}
	var invalid []string
	total, local := 0, 0
	for _, d := range docs {
		if d.name == "" {
			continue // a fragment
		}
		if d.sent == "" {
			local++
			continue
		}
		if seen[d.sent] {
			continue
		}
		seen[d.sent] = true
		total++
		doc, err := parser.ParseQuery(&ast.Source{Name: d.key(), Input: d.sent})
		if err != nil {
			t.Fatalf("%s: reparsing: %v", d.key(), err)
		}
		if errs := validator.Validate(schema, doc); len(errs) > 0 {
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
			}
			sort.Strings(msgs)
			invalid = append(invalid, fmt.Sprintf("%s %s (%s):\n    %s", d.op, d.name, d.key(), strings.Join(msgs, "\n    ")))
		}
	}
	fmt.Printf("PWA Studio: %d of %d operations valid (%d client-only documents not sent)\n", total-len(invalid), total, local)
	if len(invalid) > 0 {
		t.Errorf("%d of %d operations do not validate:\n%s", len(invalid), total, strings.Join(invalid, "\n"))
	}
}

// veniaBrowser is a shopper's browser running Venia: it sends PWA Studio's own documents (as
// Apollo sends them: queries as GET, mutations as POST with Accept */*) with the headers
// Venia's links add, and fails the test on any HTTP status but 200 or any error it does not
// expect.
type veniaBrowser struct {
	t          *testing.T
	a          *app
	docs       map[string]pwaDocument
	token      string
	membership string
	sent       map[string]bool // documents sent, by key
}

func newVenia(t *testing.T, a *app, docs []pwaDocument, membership string) *veniaBrowser {
	v := &veniaBrowser{t: t, a: a, docs: map[string]pwaDocument{}, membership: membership, sent: map[string]bool{}}
	for _, d := range docs {
		v.docs[strings.TrimPrefix(d.Module, "@magento/")+"#"+d.Export] = d
	}
	return v
}

// send runs the document exported as name by module (a path under @magento/, without the
// edition's extension) with the variables, and returns the answer.
func (v *veniaBrowser) send(module, name string, vars map[string]any) gqlResponse {
	v.t.Helper()
	d, ok := v.docs[module+"#"+name]
	if !ok || d.sent == "" {
		v.t.Fatalf("no document %s#%s was extracted", module, name)
	}
	v.sent[d.key()] = true
	var req *http.Request
	if vars == nil {
		vars = map[string]any{}
	}
	varJSON, _ := json.Marshal(vars)
	if d.op == ast.Query {
		q := url.Values{"query": {d.sent}, "operationName": {d.name}, "variables": {string(varJSON)}}
		req, _ = http.NewRequest(http.MethodGet, v.a.server.URL+"/graphql?"+q.Encode(), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": d.sent, "operationName": d.name, "variables": vars})
		req, _ = http.NewRequest(http.MethodPost, v.a.server.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "*/*")
	}
	req.Header.Set("Store", "default")
	if v.token != "" {
		req.Header.Set("Authorization", "Bearer "+v.token)
	}
	if v.membership != "" {
		req.Header.Set("aep-segments-membership", url.QueryEscape(v.membership))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	out := gqlResponse{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		v.t.Fatalf("%s %s: decoding the answer (%d): %v", d.op, d.name, res.StatusCode, err)
	}
	if res.StatusCode != http.StatusOK {
		v.t.Fatalf("%s %s: HTTP %d: %s", d.op, d.name, res.StatusCode, out.errorText())
	}
	return out
}

// ok is send for an operation that must succeed.
func (v *veniaBrowser) ok(module, name string, vars map[string]any) gqlResponse {
	v.t.Helper()
	r := v.send(module, name, vars)
	if len(r.Errors) > 0 {
		v.t.Fatalf("%s#%s: %s", module, name, r.errorText())
	}
	return r
}

// refused is send for an operation that must fail with the message and category.
func (v *veniaBrowser) refused(module, name string, vars map[string]any, msg, category string) gqlResponse {
	v.t.Helper()
	r := v.send(module, name, vars)
	if len(r.Errors) != 1 || r.Errors[0].Message != msg || r.Errors[0].Extensions["category"] != category {
		v.t.Fatalf("%s#%s: %+v, want %q (%s)", module, name, r.Errors, msg, category)
	}
	return r
}

const (
	pTalons = "peregrine/lib/talons/"
	pVenia  = "venia-ui/lib/components/"
)

func want(t *testing.T, what, got, expected string) {
	t.Helper()
	if got != expected {
		t.Errorf("%s: %q, want %q", what, got, expected)
	}
}

// pwaShop is the shop the journeys run in: the Runners audience's "buy 2 tees, get 1 free"
// rule (newShop), a 10 % coupon for everyone, the rule's related block (blocksFixture), and
// a customer.
func pwaShop(t *testing.T) shopFixture {
	s := newShop(t)
	ctx := context.Background()
	blocksFixture(t, s)
	if _, err := s.a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Ten percent", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
		CouponType: pricerules.CouponSpecific, CouponCode: "SAVE10", Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel: "10% off", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz",
		GroupID: 1, Password: "correct horse 42"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// A guest shops and checks out as Venia does it, with and without the Runners audience:
// the gallery and the product page add tees, the mini cart and the cart page show the
// audience's discount (or none), a coupon is refused and applied with Magento's messages,
// the checkout takes the email, the address with region and country lists, the flat rate,
// check / money order (never "free" on a paid cart), the billing address, and places the
// order, which the order confirmation shows.
func TestPWAStudioGuestJourney(t *testing.T) {
	docs := pwaDocuments(t)
	for _, tc := range []struct {
		name           string
		member         bool
		discount       string // the audience's discount on three tees
		total, summary string // grand totals before shipping and placed
	}{
		{"with the Runners audience", true, "25", "50", "65"},
		{"without it", false, "", "75", "90"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s := pwaShop(t)
			membership := ""
			if tc.member {
				membership = s.cdp[0] + "," + s.cdp[5]
			}
			v := newVenia(t, s.a, docs, membership)
			// Every page: the header's store and currency switchers, the footer.
			r := v.ok(pTalons+"Header/storeSwitcher.gql", "GET_STORE_CONFIG_DATA", nil)
			want(t, "store", r.str("storeConfig.store_code"), "default")
			r = v.ok(pTalons+"Header/storeSwitcher.gql", "GET_AVAILABLE_STORES_DATA", nil)
			want(t, "stores", r.str("availableStores.0.store_code")+" "+r.str("availableStores.0.default_display_currency_code"), "default USD")
			r = v.ok(pTalons+"Header/currencySwitcher.gql", "GET_CURRENCY", nil)
			want(t, "currency", fmt.Sprint(r.at("currency.available_currency_codes")), "[USD]")
			v.ok(pTalons+"Footer/footer.gql", "GET_COPYRIGHT", nil)
			// The gallery: a cart is made on the first add to cart, the badge counts.
			cartID := v.ok(pTalons+"Gallery/useAddToCartButton", "CREATE_CART_MUTATION", nil).str("cartId")
			cart := map[string]any{"cartId": cartID}
			v.ok(pTalons+"Gallery/gallery.gql", "GET_STORE_CONFIG_DATA", nil)
			want(t, "empty badge", v.ok(pVenia+"Header/cartTrigger.gql", "GET_ITEM_COUNT_QUERY", cart).str("cart.total_quantity"), "0")
			r = v.ok(pTalons+"Gallery/addToCart.gql", "default.ADD_ITEM", map[string]any{"cartId": cartID, "cartItem": map[string]any{"sku": "TEE-1", "quantity": 1}})
			want(t, "gallery add", r.str("addProductsToCart.cart.total_quantity"), "1")
			// The product page: its URL resolved, the product found by its URL key; two more
			// tees.
			r = v.ok(pTalons+"MagentoRoute/magentoRoute.gql", "RESOLVE_URL", map[string]any{"url": "/tee-1.html"})
			want(t, "route", r.str("route.type")+" "+r.str("route.__typename")+" "+r.str("route.relative_url"), "PRODUCT SimpleProduct tee-1.html")
			want(t, "unknown route", fmt.Sprint(v.ok(pTalons+"MagentoRoute/magentoRoute.gql", "RESOLVE_URL", map[string]any{"url": "/nope.html"}).at("route")), "<nil>")
			v.ok(pTalons+"Header/storeSwitcher.gql", "GET_ROUTE_DATA", map[string]any{"url": "/tee-1.html"})
			v.ok(pTalons+"RootComponents/Product/product.gql", "GET_STORE_CONFIG_DATA", nil)
			r = v.ok(pTalons+"RootComponents/Product/product.gql", "GET_PRODUCT_DETAIL_QUERY", map[string]any{"urlKey": "tee-1"})
			want(t, "product page", r.str("products.items.0.sku")+" "+r.str("products.items.0.price_range.maximum_price.final_price.value")+" "+
				r.str("products.items.0.__typename"), "TEE-1 25 SimpleProduct")
			productUID := r.str("products.items.0.uid")
			v.ok(pTalons+"ProductFullDetail/productFullDetail.gql", "GET_WISHLIST_CONFIG", nil)
			r = v.ok(pTalons+"ProductFullDetail/productFullDetail.gql", "default.addProductToCartMutation",
				map[string]any{"cartId": cartID, "product": map[string]any{"sku": "TEE-1", "quantity": 2}})
			want(t, "product page add", r.str("addProductsToCart.cart.total_quantity")+" "+r.str("addProductsToCart.cart.total_summary_quantity_including_config"), "3 3")
			// The cart-rule block on the product page, and the rule data it refetches on.
			r = v.ok(pTalons+"CmsDynamicBlock/cmsDynamicBlock.gql", "GET_CMS_DYNAMIC_BLOCKS",
				map[string]any{"type": "CART_PRICE_RULE_RELATED", "cartId": cartID, "productId": productUID, "uids": []string{}, "locations": []string{"CONTENT"}})
			block := ""
			if tc.member {
				block = "<p>Your third tee is on us</p>"
			}
			want(t, "rule-related block", strings.Join(htmls(r), ","), block)
			v.ok(pTalons+"CmsDynamicBlock/cmsDynamicBlock.gql", "GET_SALES_RULES_DATA", cart)
			v.ok(pTalons+"CmsDynamicBlock/cmsDynamicBlock.gql", "GET_STORE_CONFIG_DATA", nil)
			want(t, "block's product", v.ok(pTalons+"CmsDynamicBlock/cmsDynamicBlock.gql", "GET_PRODUCT_DETAIL_QUERY", map[string]any{"urlKey": "tee-1"}).str("products.items.0.uid"),
				productUID)
			// The mini cart.
			v.ok(pTalons+"MiniCart/miniCart.gql", "GET_STORE_CONFIG_DATA", nil)
			r = v.ok(pVenia+"MiniCart/miniCart.gql", "MINI_CART_QUERY", cart)
			want(t, "mini cart", r.str("cart.total_quantity")+" "+r.str("cart.prices.subtotal_excluding_tax.value")+" "+r.str("cart.items.0.product.thumbnail.url"),
				"3 75 <nil>")
			// The cart page and its price summary.
			for _, op := range [][2]string{{"CartPage/cartPage.gql", "default.getCartDetailsQuery"}, {"CartPage/ProductListing/productListing.gql", "default.getProductListingQuery"},
				{"CartPage/PriceAdjustments/CouponCode/couponCode.gql", "default.getAppliedCouponsQuery"}, {"CartPage/GiftCards/giftCardQueries.gql", "default.getAppliedGiftCardsQuery"},
				{"CartPage/PriceAdjustments/ShippingMethods/shippingMethods.gql", "default.getShippingMethodsQuery"}} {
				v.ok(pTalons+op[0], op[1], cart)
			}
			for _, op := range [][2]string{{"CartPage/ProductListing/productListing.gql", "GET_WISHLIST_CONFIG"}, {"CartPage/ProductListing/product.gql", "GET_STORE_CONFIG"},
				{"CartPage/PriceAdjustments/giftOptionsSection.gql", "default.getGiftOptionsConfigQuery"}} {
				v.ok(pTalons+op[0], op[1], nil)
			}
			summary := func(what, total, discounts string) {
				t.Helper()
				r := v.ok(pTalons+"CartPage/PriceSummary/priceSummary.gql", "default.getPriceSummaryQuery", cart)
				var labels []string
				for i := 0; r.at(fmt.Sprintf("cart.prices.discounts.%d", i)) != nil; i++ {
					labels = append(labels, r.str(fmt.Sprintf("cart.prices.discounts.%d.label", i))+" "+r.str(fmt.Sprintf("cart.prices.discounts.%d.amount.value", i)))
				}
				want(t, what+": grand total", r.str("cart.prices.grand_total.value"), total)
				want(t, what+": discounts", strings.Join(labels, ", "), discounts)
			}
			ruleDiscount := ""
			if tc.member {
				ruleDiscount = "Buy 2, get 1 free " + tc.discount
			}
			summary("cart page", tc.total, ruleDiscount)
			// A mug added, its quantity changed, and removed again, from the cart page.
			r = v.ok(pTalons+"Gallery/addToCart.gql", "default.ADD_ITEM", map[string]any{"cartId": cartID, "cartItem": map[string]any{"sku": "MUG", "quantity": 1}})
			mug := r.str("addProductsToCart.cart.items.1.uid")
			r = v.ok(pVenia+"CartPage/ProductListing/product", "UPDATE_QUANTITY_MUTATION", map[string]any{"cartId": cartID, "itemId": mug, "quantity": 2})
			want(t, "mug quantity", r.str("updateCartItems.cart.total_quantity"), "5")
			r = v.ok(pVenia+"CartPage/ProductListing/product", "REMOVE_ITEM_MUTATION", map[string]any{"cartId": cartID, "itemId": mug})
			want(t, "mug removed", r.str("removeItemFromCart.cart.total_quantity"), "3")
			// Coupons, with Magento's messages.
			coupon := pTalons + "CartPage/PriceAdjustments/CouponCode/couponCode.gql"
			v.refused(coupon, "default.applyCouponMutation", map[string]any{"cartId": cartID, "couponCode": "NOPE"},
				"The coupon code isn't valid. Verify the code and try again.", "graphql-input")
			r = v.ok(coupon, "default.applyCouponMutation", map[string]any{"cartId": cartID, "couponCode": "SAVE10"})
			want(t, "coupon applied", r.str("applyCouponToCart.cart.applied_coupons.0.code"), "SAVE10")
			withCoupon := map[bool]string{true: "45", false: "67.5"}[tc.member]
			couponDiscount := map[bool]string{true: ruleDiscount + ", 10% off 5", false: "10% off 7.5"}[tc.member]
			summary("with the coupon", withCoupon, couponDiscount)
			v.refused(coupon, "default.applyCouponMutation", map[string]any{"cartId": cartID, "couponCode": "SAVE10"},
				"A coupon is already applied to the cart. Please remove it to apply another", "graphql-input")
			r = v.ok(coupon, "default.removeCouponMutation", cart)
			want(t, "coupon removed", fmt.Sprint(r.at("removeCouponFromCart.cart.applied_coupons")), "<nil>")
			summary("coupon removed", tc.total, ruleDiscount)
			// Shipping estimate on the cart page.
			estimate := map[string]any{"city": "city", "firstname": "firstname", "lastname": "lastname", "street": []string{"street"}, "telephone": "000-000-0000",
				"country_code": "US", "postcode": "78701"}
			r = v.ok(pTalons+"CartPage/PriceAdjustments/ShippingMethods/shippingMethods.gql", "default.setShippingAddressMutation",
				map[string]any{"cartId": cartID, "address": estimate})
			want(t, "estimate", r.str("setShippingAddressesOnCart.cart.shipping_addresses.0.available_shipping_methods.0.amount.value"), "15")
			flat := map[string]any{"carrier_code": "flatrate", "method_code": "flatrate"}
			v.ok(pVenia+"CartPage/PriceAdjustments/ShippingMethods/shippingRadios", "SET_SHIPPING_METHOD_MUTATION", map[string]any{"cartId": cartID, "shippingMethod": flat})
			// Checkout.
			checkout := pTalons + "CheckoutPage/"
			v.ok("peregrine/lib/hooks/useGoogleReCaptcha/googleReCaptchaConfig.gql", "GET_RECAPTCHAV3_CONFIG", nil)
			r = v.ok(checkout+"checkoutPage.gql", "GET_CHECKOUT_DETAILS", cart)
			want(t, "checkout payment methods", r.str("cart.available_payment_methods.0.code"), "checkmo")
			v.ok(checkout+"ShippingInformation/shippingInformation.gql", "GET_SHIPPING_INFORMATION", cart)
			r = v.ok(pVenia+"Country/country.gql", "GET_COUNTRIES_QUERY", nil)
			if n := len(r.at("countries").([]any)); n != 250 {
				t.Errorf("%d countries", n)
			}
			r = v.ok(pVenia+"Region/region.gql", "GET_REGIONS_QUERY", map[string]any{"countryCode": "US"})
			texas := 0
			for i := 0; r.at(fmt.Sprintf("country.available_regions.%d", i)) != nil; i++ {
				if r.str(fmt.Sprintf("country.available_regions.%d.code", i)) == "TX" {
					texas = int(r.at(fmt.Sprintf("country.available_regions.%d.id", i)).(float64))
				}
			}
			if texas == 0 {
				t.Fatalf("no Texas among the US regions: %v", r.Data)
			}
			want(t, "email available", v.ok(checkout+"ShippingInformation/AddressForm/guestForm.gql", "GET_EMAIL_AVAILABLE_QUERY",
				map[string]any{"email": "ann@example.com"}).str("isEmailAvailable.is_email_available"), "true")
			address := map[string]any{"firstname": "Ann", "lastname": "Lee", "street": []any{"1 Main St", nil}, "city": "Austin", "region_id": texas,
				"postcode": "78701", "country_code": "US", "telephone": "555-0100", "save_in_address_book": false}
			r = v.ok(checkout+"ShippingInformation/AddressForm/guestForm.gql", "SET_GUEST_SHIPPING_MUTATION",
				map[string]any{"cartId": cartID, "email": "ann@example.com", "address": address})
			shipTo := "setShippingAddressesOnCart.cart.shipping_addresses.0."
			want(t, "shipping address", r.str(shipTo+"region.code")+" "+r.str(shipTo+"region.label")+" "+r.str(shipTo+"country.label")+" "+
				fmt.Sprint(r.at(shipTo+"street")), "TX Texas United States [1 Main St]")
			v.ok(checkout+"ShippingMethod/shippingMethod.gql", "GET_SELECTED_AND_AVAILABLE_SHIPPING_METHODS", cart)
			r = v.ok(checkout+"ShippingMethod/shippingMethod.gql", "SET_SHIPPING_METHOD", map[string]any{"cartId": cartID, "shippingMethod": flat})
			want(t, "shipping method", r.str("setShippingMethodsOnCart.cart.shipping_addresses.0.selected_shipping_method.method_title"), "Flat Rate")
			v.ok(checkout+"PaymentInformation/paymentInformation.gql", "GET_PAYMENT_INFORMATION", cart)
			r = v.ok(checkout+"PaymentInformation/paymentMethods.gql", "GET_PAYMENT_METHODS", cart)
			want(t, "billing address before it is set", fmt.Sprint(r.at("cart.billing_address")), "<nil>")
			v.ok("venia-sample-payments-checkmo/src/talons/checkmo.gql", "GET_CHECKMO_CONFIG_DATA", nil)
			v.refused(checkout+"PaymentInformation/paymentMethods.gql", "SET_PAYMENT_METHOD_ON_CART",
				map[string]any{"cartId": cartID, "paymentMethod": map[string]any{"code": "free"}}, "The requested Payment Method is not available.", "graphql-input")
			v.refused(checkout+"PaymentInformation/paymentInformation.gql", "SET_FREE_PAYMENT_METHOD_ON_CART", cart,
				"The requested Payment Method is not available.", "graphql-input")
			r = v.ok("venia-sample-payments-checkmo/src/talons/checkmo.gql", "SET_PAYMENT_METHOD_ON_CART", cart)
			want(t, "payment", r.str("setPaymentMethodOnCart.cart.selected_payment_method.title"), "Check / Money order")
			// Placing the order before the billing address is set is refused where Venia
			// looks: a top-level error, no order.
			r = v.refused(checkout+"checkoutPage.gql", "PLACE_ORDER", cart, "Unable to place order: The billing address is missing. Set the address and try again.", "graphql-input")
			if r.at("placeOrder") != nil {
				t.Fatalf("a refused order answered %v", r.Data)
			}
			want(t, "billing address read by the form", fmt.Sprint(v.ok(checkout+"BillingAddress/billingAddress.gql", "GET_BILLING_ADDRESS", cart).at("cart.billingAddress")), "<nil>")
			r = v.ok(checkout+"BillingAddress/billingAddress.gql", "GET_SHIPPING_ADDRESS", cart)
			want(t, "shipping address read by the billing form", r.str("cart.shippingAddresses.0.region.code")+" "+r.str("cart.shippingAddresses.0.phoneNumber"), "TX 555-0100")
			v.ok(checkout+"BillingAddress/billingAddress.gql", "SET_BILLING_ADDRESS", map[string]any{"cartId": cartID, "firstName": "Ann", "lastName": "Lee",
				"street1": "1 Main St", "street2": nil, "city": "Austin", "region": "TX", "postcode": "78701", "country": "US", "phoneNumber": "555-0100"})
			v.ok(checkout+"ItemsReview/itemsReview.gql", "LIST_OF_PRODUCTS_IN_CART_QUERY", cart)
			r = v.ok(checkout+"PaymentInformation/summary.gql", "GET_SUMMARY_DATA", cart)
			want(t, "summary payment", r.str("cart.selected_payment_method.code"), "checkmo")
			r = v.ok(checkout+"checkoutPage.gql", "GET_ORDER_DETAILS", cart)
			want(t, "order details total", r.str("cart.prices.grand_total.value"), tc.summary)
			number := v.ok(checkout+"checkoutPage.gql", "PLACE_ORDER", cart).str("placeOrder.order.order_number")
			if !strings.HasPrefix(number, "0000000") {
				t.Fatalf("order number %q", number)
			}
			v.refused(checkout+"checkoutPage.gql", "PLACE_ORDER", cart, "The cart isn't active.", "graphql-input")
			// The order confirmation page offers to create an account, with the password rules.
			r = v.ok(pTalons+"CreateAccount/createAccount.gql", "GET_STORE_CONFIG_DATA", nil)
			want(t, "password rules", r.str("storeConfig.minimum_password_length"), "8")
			v.ok(checkout+"checkoutPage.gql", "CREATE_CART", nil)
			o, _, err := s.a.full.Checkout.Orders(context.Background(), checkoutOrders(number))
			if err != nil || len(o) != 1 {
				t.Fatalf("order %s: %v %v", number, o, err)
			}
			want(t, "order total", fmt.Sprintf("%.2f", float64(o[0].GrandTotal)/100), map[bool]string{true: "65.00", false: "90.00"}[tc.member])
			want(t, "order rules", o[0].Rules, map[bool]string{true: "Runners: buy 2 get 1", false: ""}[tc.member])
			t.Logf("%d operations in %v", len(v.sent), time.Since(start).Round(time.Millisecond))
		})
	}
}

func checkoutOrders(number string) checkout.OrderFilter { return checkout.OrderFilter{Number: number} }

// A customer who shopped before signs in as Venia does it: the guest cart merges into
// theirs, the checkout offers the address book (empty, then the address saved from the
// form), the audience's discount follows the membership, and the order confirmation finds
// the order among the customer's.
func TestPWAStudioSignedInJourney(t *testing.T) {
	docs := pwaDocuments(t)
	for _, tc := range []struct {
		name   string
		member bool
		total  string // three tees and two mugs, shipped
	}{
		{"with the Runners audience", true, "94"},
		{"without it", false, "119"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s := pwaShop(t)
			membership := ""
			if tc.member {
				membership = s.cdp[0]
			}
			signIn := pTalons + "SignIn/signIn.gql"
			login := map[string]any{"email": "bo@example.com", "password": "correct horse 42"}
			// An earlier visit: Bo signed in and left three tees in the cart.
			earlier := newVenia(t, s.a, docs, membership)
			earlier.token = earlier.ok(signIn, "SIGN_IN", login).str("generateCustomerToken.token")
			customerCart := earlier.ok(signIn, "CREATE_CART", nil).str("cartId")
			earlier.ok(pTalons+"ProductFullDetail/productFullDetail.gql", "default.addProductToCartMutation",
				map[string]any{"cartId": customerCart, "product": map[string]any{"sku": "TEE-1", "quantity": 3}})
			// Today, as a guest: two mugs.
			v := newVenia(t, s.a, docs, membership)
			guestCart := v.ok(pTalons+"Gallery/useAddToCartButton", "CREATE_CART_MUTATION", nil).str("cartId")
			v.ok(pTalons+"Gallery/addToCart.gql", "default.ADD_ITEM", map[string]any{"cartId": guestCart, "cartItem": map[string]any{"sku": "MUG", "quantity": 2}})
			// Sign-in: a bad password first, then the token, the customer's cart, the merge.
			v.refused(signIn, "SIGN_IN", map[string]any{"email": "bo@example.com", "password": "wrong horse 1"},
				"The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.", "graphql-authentication")
			v.ok(signIn, "default.getStoreConfigQuery", nil)
			recaptcha := "peregrine/lib/hooks/useGoogleReCaptcha/googleReCaptchaConfig.gql"
			want(t, "no reCAPTCHA", fmt.Sprint(v.ok(recaptcha, "GET_RECAPTCHAV3_CONFIG", nil).at("recaptchaV3Config")), "<nil>")
			v.token = v.ok(signIn, "SIGN_IN", login).str("generateCustomerToken.token")
			cartID := v.ok(signIn, "CREATE_CART", nil).str("cartId")
			want(t, "the customer's cart", cartID, customerCart)
			r := v.ok(signIn, "MERGE_CARTS", map[string]any{"sourceCartId": guestCart, "destinationCartId": cartID})
			want(t, "merged cart", r.str("mergeCarts.total_quantity"), "5")
			want(t, "customer", v.ok(signIn, "GET_CUSTOMER", nil).str("customer.email"), "bo@example.com")
			cart := map[string]any{"cartId": cartID}
			r = v.ok(pVenia+"SignIn/signIn.gql", "GET_CART_DETAILS_QUERY", cart)
			want(t, "cart after sign-in", r.str("cart.total_quantity"), "5")
			// Wishlists are off: none listed, an add refused in Magento's words.
			wishlist := pTalons + "Wishlist/WishlistDialog/wishlistDialog.gql"
			r = v.ok(wishlist, "GET_WISHLISTS", nil)
			want(t, "wishlists", fmt.Sprint(r.at("customer.wishlists"))+" "+r.str("storeConfig.enable_multiple_wishlists"), "[] 0")
			v.refused(wishlist, "ADD_TO_WISHLIST", map[string]any{"wishlistId": "0", "itemOptions": map[string]any{"sku": "MUG", "quantity": 1}},
				"The wishlist configuration is currently disabled.", "graphql-input")
			v.refused(pTalons+"Wishlist/AddToListButton/addToListButton.gql", "ADD_TO_WISHLIST", map[string]any{"wishlistId": "0",
				"itemOptions": map[string]any{"sku": "MUG", "quantity": 1}}, "The wishlist configuration is currently disabled.", "graphql-input")
			v.refused(pTalons+"Wishlist/WishlistDialog/CreateWishlistForm/createWishlistForm.gql", "CREATE_WISHLIST", map[string]any{"name": "Gifts",
				"visibility": "PRIVATE"}, "The wishlist configuration is currently disabled.", "graphql-input")
			// The signed-in checkout with the address book.
			checkout := pTalons + "CheckoutPage/"
			r = v.ok(checkout+"checkoutPage.gql", "GET_CUSTOMER", nil)
			want(t, "no default shipping address yet", fmt.Sprint(r.at("customer.default_shipping")), "<nil>")
			v.ok(checkout+"checkoutPage.gql", "GET_CHECKOUT_DETAILS", cart)
			r = v.ok(checkout+"AddressBook/addressBook.gql", "GET_CUSTOMER_ADDRESSES", nil)
			want(t, "empty address book", fmt.Sprint(r.at("customer.addresses")), "[]")
			v.ok(checkout+"ShippingInformation/AddressForm/customerForm.gql", "default.getDefaultShippingQuery", nil)
			v.ok(checkout+"ShippingInformation/AddressForm/customerForm.gql", "GET_CUSTOMER_QUERY", nil)
			r = v.ok(pVenia+"Region/region.gql", "GET_REGIONS_QUERY", map[string]any{"countryCode": "US"})
			nevada := 0
			for i := 0; r.at(fmt.Sprintf("country.available_regions.%d", i)) != nil; i++ {
				if r.str(fmt.Sprintf("country.available_regions.%d.code", i)) == "NV" {
					nevada = int(r.at(fmt.Sprintf("country.available_regions.%d.id", i)).(float64))
				}
			}
			address := map[string]any{"firstname": "Bo", "lastname": "Diaz", "street": []any{"2 Elm", nil}, "city": "Reno", "postcode": "89501",
				"country_code": "US", "region": map[string]any{"region_id": nevada}, "telephone": "555-0101", "default_shipping": true}
			r = v.ok(checkout+"ShippingInformation/AddressForm/customerForm.gql", "CREATE_CUSTOMER_ADDRESS_MUTATION", map[string]any{"address": address})
			addressID := int(r.at("createCustomerAddress.id").(float64))
			want(t, "saved address", r.str("createCustomerAddress.region.region_code")+" "+r.str("createCustomerAddress.default_shipping"), "NV true")
			address["telephone"] = "555-0102"
			v.ok(checkout+"ShippingInformation/AddressForm/customerForm.gql", "UPDATE_CUSTOMER_ADDRESS_MUTATION", map[string]any{"addressId": addressID, "address": address})
			r = v.ok(checkout+"AddressBook/addressBook.gql", "GET_CUSTOMER_ADDRESSES", nil)
			want(t, "address book", r.str("customer.addresses.0.city")+" "+r.str("customer.addresses.0.telephone"), "Reno 555-0102")
			want(t, "default shipping", v.ok(checkout+"checkoutPage.gql", "GET_CUSTOMER", nil).str("customer.default_shipping"), fmt.Sprint(addressID))
			r = v.ok(checkout+"AddressBook/addressBook.gql", "default.setCustomerAddressOnCartMutation", map[string]any{"cartId": cartID, "addressId": addressID})
			want(t, "cart address", r.str("setShippingAddressesOnCart.cart.shipping_addresses.0.city"), "Reno")
			v.ok(checkout+"AddressBook/addressBook.gql", "GET_CUSTOMER_CART_ADDRESS", nil)
			v.ok(checkout+"ShippingMethod/shippingMethod.gql", "GET_SELECTED_AND_AVAILABLE_SHIPPING_METHODS", cart)
			v.ok(checkout+"ShippingMethod/shippingMethod.gql", "SET_SHIPPING_METHOD", map[string]any{"cartId": cartID,
				"shippingMethod": map[string]any{"carrier_code": "flatrate", "method_code": "flatrate"}})
			v.ok(checkout+"PaymentInformation/paymentMethods.gql", "GET_PAYMENT_METHODS", cart)
			v.ok("venia-sample-payments-checkmo/src/talons/checkmo.gql", "SET_PAYMENT_METHOD_ON_CART", cart)
			v.ok(checkout+"PaymentInformation/paymentInformation.gql", "SET_BILLING_ADDRESS", map[string]any{"cartId": cartID, "firstname": "Bo", "lastname": "Diaz",
				"street": []any{"2 Elm"}, "city": "Reno", "regionCode": "NV", "postcode": "89501", "countryCode": "US", "telephone": "555-0102"})
			r = v.ok(checkout+"checkoutPage.gql", "GET_ORDER_DETAILS", cart)
			want(t, "order details total", r.str("cart.prices.grand_total.value"), tc.total)
			number := v.ok(checkout+"checkoutPage.gql", "PLACE_ORDER", cart).str("placeOrder.order.order_number")
			r = v.ok(checkout+"OrderConfirmationPage/orderConfirmationPage.gql", "GET_ORDER_CONFIRMATION_DETAILS", map[string]any{"orderNumber": number})
			want(t, "order confirmation", r.str("customer.orders.items.0.shipping_address.city")+" "+r.str("customer.orders.items.0.shipping_address.region")+" "+
				r.str("customer.orders.items.0.shipping_method"), "Reno Nevada Flat Rate - Fixed")
			next := v.ok(checkout+"checkoutPage.gql", "CREATE_CART", nil).str("cartId")
			if next == cartID {
				t.Fatal("the ordered cart is still the customer's")
			}
			// A revoked token is an authentication failure, as Venia expects.
			if err := s.a.full.Customers.RevokeToken(context.Background(), v.token); err != nil {
				t.Fatal(err)
			}
			res := s.a.gql(t, map[string]string{"Authorization": "Bearer " + v.token}, `{ customer { email } }`, nil)
			if res.status != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Extensions["category"] != "graphql-authentication" {
				t.Fatalf("revoked token: %d %+v", res.status, res.Errors)
			}
			t.Logf("%d operations in %v", len(v.sent)+len(earlier.sent), time.Since(start).Round(time.Millisecond))
		})
	}
}

// What Venia sends for features this store does not have, and the legacy and edit-modal
// operations the journeys above do not reach: declared in Magento's shape, they answer
// empty (nulls, [], false) or refuse in words a shopper can read, never with a 4xx/5xx.
func TestPWAStudioFeaturesTheStoreLacks(t *testing.T) {
	docs := pwaDocuments(t)
	s := pwaShop(t)
	v := newVenia(t, s.a, docs, "")
	cartID := v.ok(pTalons+"Gallery/useAddToCartButton", "CREATE_CART_MUTATION", nil).str("cartId")
	cart := map[string]any{"cartId": cartID}
	want(t, "the cart is the guest's", v.ok(pTalons+"Gallery/useAddToCartButton", "CART_DETAILS_QUERY", cart).str("cart.id"), cartID)
	product := pTalons + "ProductFullDetail/productFullDetail.gql"
	r := v.ok(product, "default.addSimpleProductToCartMutation", map[string]any{"cartId": cartID, "quantity": 2, "sku": "MUG"})
	want(t, "legacy add", r.str("addSimpleProductsToCart.cart.total_quantity"), "2")
	v.refused(product, "default.addConfigurableProductToCartMutation", map[string]any{"cartId": cartID, "quantity": 1, "sku": "MUG-RED", "parentSku": "MUG"},
		`Could not find a product with SKU "MUG"`, "graphql-input")
	r = v.ok(product, "default.addProductToCartMutation", map[string]any{"cartId": cartID, "product": map[string]any{"sku": "TEE-1", "quantity": 1, "parent_sku": "TEE"}})
	want(t, "a variant of a product that has none", r.str("addProductsToCart.cart.total_quantity"), "2")
	mug := r.str("addProductsToCart.cart.items.0.uid")
	// The cart page's edit modal: a simple product has no options to change.
	form := pTalons + "CartPage/ProductListing/EditModal/productForm.gql"
	r = v.ok(form, "default.getConfigurableOptionsQuery", map[string]any{"sku": "MUG"})
	want(t, "product form", r.str("products.items.0.sku")+" "+r.str("products.items.0.__typename"), "MUG SimpleProduct")
	want(t, "thumbnail source", v.ok(form, "default.getConfigurableThumbnailSourceQuery", nil).str("storeConfig.configurable_thumbnail_source"), "parent")
	r = v.ok(form, "default.updateQuantityMutation", map[string]any{"cartId": cartID, "cartItemId": mug, "quantity": 3})
	want(t, "edit modal quantity", r.str("updateCartItems.cart.total_quantity"), "3")
	// Gift cards and gift options: none, and refused.
	gift := pTalons + "CartPage/GiftCards/giftCardQueries.gql"
	want(t, "applied gift cards", fmt.Sprint(v.ok(gift, "default.getAppliedGiftCardsQuery", cart).at("cart.applied_gift_cards")), "[]")
	v.refused(gift, "default.getGiftCardBalanceQuery", map[string]any{"giftCardCode": "GC-1"}, `The gift card account "GC-1" was not found.`, "graphql-no-such-entity")
	v.refused(gift, "default.applyGiftCardMutation", map[string]any{"cartId": cartID, "giftCardCode": "GC-1"},
		"The gift card code couldn't be added. Verify your information and try again.", "graphql-input")
	v.refused(gift, "default.removeGiftCardMutation", map[string]any{"cartId": cartID, "giftCardCode": "GC-1"},
		`The gift card "GC-1" is not applied to the cart.`, "graphql-no-such-entity")
	options := pTalons + "CartPage/PriceAdjustments/GiftOptions/giftOptions.gql"
	r = v.ok(options, "default.getGiftOptionsQuery", cart)
	want(t, "gift options", fmt.Sprint(r.at("cart.gift_message"), r.at("cart.gift_receipt_included"), r.at("cart.printed_card_included"), r.at("cart.prices.gift_options")),
		"<nil> false false <nil>")
	v.refused(options, "default.setGiftOptionsOnCartMutation", map[string]any{"cartId": cartID, "giftMessage": nil, "giftReceiptIncluded": true, "printedCardIncluded": false},
		"Gift options are not available in this store.", "graphql-input")
	// The mini cart's remove, the payment step's edit modal.
	r = v.ok(pVenia+"MiniCart/miniCart.gql", "REMOVE_ITEM_MUTATION", map[string]any{"cartId": cartID, "itemId": mug})
	want(t, "mini cart remove", r.str("removeItemFromCart.cart.total_quantity"), "0")
	want(t, "no payment method yet", v.ok(pTalons+"CheckoutPage/PaymentInformation/editModal.gql", "GET_SELECTED_PAYMENT_METHOD", cart).str("cart.selected_payment_method.code"), "")
}
