package storefront

import (
	"net/mail"
	"strings"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/directory"
)

// storeConfig is the store view's configuration as Magento's storeConfig shows it. Features
// the store does not have (wishlists, gift options) are reported off, so a storefront such
// as Venia hides them; URL suffixes are Magento's defaults; the password rules are the customers service's
// (8 characters, letters and digits).
func storeConfig(req *request) *StoreConfig {
	v := req.view
	id := int(v.ID)
	off := "0"
	return &StoreConfig{ID: &id, StoreCode: &v.Code, StoreName: &v.Name, Timezone: &v.Timezone, Locale: ptr("en_US"),
		BaseCurrencyCode: &v.Currency, DefaultDisplayCurrencyCode: &v.Currency, ProductURLSuffix: ptr(".html"), CategoryURLSuffix: ptr(".html"),
		ProductCanonicalTag: ptr(false), CategoryCanonicalTag: ptr(false), ConfigurableThumbnailSource: ptr("parent"),
		GridPerPage: ptr(12), ListPerPage: ptr(10), MinimumPasswordLength: ptr("8"), RequiredCharacterClassesNumber: ptr("2"),
		CustomerAccessTokenLifetime: ptr(customers.TokenLifetime.Hours()), MagentoWishlistGeneralIsEnabled: &off, EnableMultipleWishlists: &off,
		AllowOrder: &off, AllowItems: &off, AllowGiftReceipt: &off, AllowPrintedCard: &off, AllowGiftWrappingOnOrder: &off,
		AllowGiftWrappingOnOrderItems: &off, CartGiftWrapping: &off, CartPrintedCard: &off, IsDefaultStore: &v.IsDefault}
}

// countryView is a country of the directory, with its regions.
func countryView(c directory.Country) *Country {
	out := &Country{ID: &c.Code, TwoLetterAbbreviation: &c.Code, ThreeLetterAbbreviation: &c.Code3, FullNameLocale: &c.Name,
		FullNameEnglish: &c.Name, AvailableRegions: []*Region{}}
	for _, r := range directory.Regions(c.Code) {
		out.AvailableRegions = append(out.AvailableRegions, &Region{ID: ptr(r.ID), Code: ptr(r.Code), Name: ptr(r.Name)})
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
