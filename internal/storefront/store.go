package storefront

import (
	"context"
	"net/mail"
	"sort"
	"strings"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/directory"
	"audienceactivation/internal/storefront/model"
	"audienceactivation/internal/stores"
)

// storeConfig is the store view's configuration as Magento's storeConfig shows it. Features
// the store does not have (wishlists, gift options) are reported off, so a storefront such
// as Venia hides them; URL suffixes are Magento's defaults; the password rules are the customers service's
// (8 characters, letters and digits).
func storeConfig(v stores.StoreView) *model.StoreConfig {
	id := int(v.ID)
	off := "0"
	return &model.StoreConfig{ID: &id, StoreCode: &v.Code, StoreName: &v.Name, Timezone: &v.Timezone, Locale: ptr("en_US"),
		BaseCurrencyCode: &v.Currency, DefaultDisplayCurrencyCode: &v.Currency, ProductURLSuffix: ptr(productURLSuffix), CategoryURLSuffix: ptr(".html"),
		ProductCanonicalTag: ptr(false), CategoryCanonicalTag: ptr(false), ConfigurableThumbnailSource: ptr("parent"),
		GridPerPage: ptr(12), ListPerPage: ptr(10), MinimumPasswordLength: ptr("8"), RequiredCharacterClassesNumber: ptr("2"),
		CustomerAccessTokenLifetime: ptr(customers.TokenLifetime.Hours()), MagentoWishlistGeneralIsEnabled: &off, EnableMultipleWishlists: &off, MaximumNumberOfWishlists: ptr("1"),
		AllowOrder: &off, AllowItems: &off, AllowGiftReceipt: &off, AllowPrintedCard: &off, AllowGiftWrappingOnOrder: &off,
		AllowGiftWrappingOnOrderItems: &off, CartGiftWrapping: &off, CartPrintedCard: &off, IsDefaultStore: &v.IsDefault,
		StoreGroupName: &v.Name, StoreSortOrder: &v.SortOrder}
}

// errWishlistsOff is Magento's answer to a wishlist operation where wishlists are off.
var errWishlistsOff = inputError("The wishlist configuration is currently disabled.")

// availableStores are the active store views of the website, in their sort order.
func (r *Resolver) availableStores(ctx context.Context) ([]*model.StoreConfig, error) {
	views, err := r.deps.StoreViews(ctx)
	if err != nil {
		return nil, err
	}
	site := shopperOf(ctx).View.WebsiteID
	var list []stores.StoreView
	for _, v := range views {
		if v.WebsiteID == site && v.IsActive {
			list = append(list, v)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].SortOrder < list[j].SortOrder })
	out := []*model.StoreConfig{}
	for _, v := range list {
		out = append(out, storeConfig(v))
	}
	return out, nil
}

// currencySymbols are the symbols of the currencies stores commonly sell in.
var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CHF": "CHF"}

// currencyView is the store view's currency: each store view sells in one.
func currencyView(v stores.StoreView) *model.Currency {
	out := &model.Currency{BaseCurrencyCode: &v.Currency, DefaultDisplayCurrencyCode: &v.Currency, AvailableCurrencyCodes: []*string{&v.Currency}}
	if sym, ok := currencySymbols[v.Currency]; ok {
		out.BaseCurrencySymbol, out.DefaultDisplayCurrencySymbol = &sym, &sym
	}
	return out
}

// productURLSuffix ends a product's storefront URL, as Magento's default configuration.
const productURLSuffix = ".html"

// route is what a storefront URL leads to: the product whose URL key is the URL without
// its suffix, or nothing (null, as Magento answers an unknown URL). Categories and CMS
// pages have no storefront URLs here.
func (r *Resolver) route(ctx context.Context, url string) (model.RoutableInterface, error) {
	key, ok := strings.CutSuffix(strings.TrimPrefix(strings.TrimSpace(url), "/"), productURLSuffix)
	if !ok || key == "" || strings.Contains(key, "/") || len(key) > maxSearchLength {
		return nil, nil
	}
	req := shopperOf(ctx)
	ps, _, _, err := r.deps.Catalog.List(ctx, catalog.Filter{WebsiteID: req.View.WebsiteID, SKUs: []string{key}, Page: 1, PerPage: 1})
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return productView(ps[0], req.View.Currency), nil
}

// countryView is a country of the directory, with its regions.
func countryView(c directory.Country) *model.Country {
	out := &model.Country{ID: &c.Code, TwoLetterAbbreviation: &c.Code, ThreeLetterAbbreviation: &c.Code3, FullNameLocale: &c.Name,
		FullNameEnglish: &c.Name, AvailableRegions: []*model.Region{}}
	for _, r := range directory.Regions(c.Code) {
		out.AvailableRegions = append(out.AvailableRegions, &model.Region{ID: ptr(r.ID), Code: ptr(r.Code), Name: ptr(r.Name)})
	}
	return out
}

// validEmail is Magento's check of an email address given to isEmailAvailable.
func validEmail(email string) error {
	email = strings.TrimSpace(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 255 {
		return inputError("Email is invalid")
	}
	return nil
}
