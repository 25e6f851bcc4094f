package customers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
	"audienceactivation/internal/directory"
)

// Address is an address of a customer's address book.
type Address struct {
	ID              int64
	CustomerID      int64
	Firstname       string
	Lastname        string
	Company         string
	Street          []string
	City            string
	Region          string // the region's name
	RegionCode      string // its code, for a country that lists its regions
	RegionID        int    // its id in the directory
	Postcode        string
	CountryCode     string
	Telephone       string
	DefaultShipping bool
	DefaultBilling  bool
}

// AddressError is an address refused, with Magento's message.
type AddressError string

func (e AddressError) Error() string { return string(e) }

// ErrAddressNotFound means the customer has no address with the id.
var ErrAddressNotFound = errors.New("customers: address not found")

// MaxAddresses bounds a customer's address book.
const MaxAddresses = 100

type addressRow struct {
	ID, CustomerID                                                                      int64
	Firstname, Lastname, Company, Street, City, Region, RegionCode, Postcode, Telephone string
	CountryCode                                                                         string
	RegionID                                                                            int
	DefaultShipping, DefaultBilling                                                     bool
	CreatedAt                                                                           time.Time
}

func (addressRow) TableName() string { return "customer_addresses" }

func (r addressRow) address() Address {
	a := Address{ID: r.ID, CustomerID: r.CustomerID, Firstname: r.Firstname, Lastname: r.Lastname, Company: r.Company, City: r.City,
		Region: r.Region, RegionCode: r.RegionCode, RegionID: r.RegionID, Postcode: r.Postcode, CountryCode: r.CountryCode, Telephone: r.Telephone,
		DefaultShipping: r.DefaultShipping, DefaultBilling: r.DefaultBilling}
	_ = json.Unmarshal([]byte(r.Street), &a.Street)
	return a
}

// Addresses are the customer's addresses, oldest first.
func (s *Service) Addresses(ctx context.Context, customerID int64) ([]Address, error) {
	var rows []addressRow
	if err := s.db.WithContext(ctx).Where("customer_id = ?", customerID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Address, len(rows))
	for i, r := range rows {
		out[i] = r.address()
	}
	return out, nil
}

// Address is one of the customer's addresses.
func (s *Service) Address(ctx context.Context, customerID, id int64) (Address, error) {
	var rows []addressRow
	if err := s.db.WithContext(ctx).Where("customer_id = ? AND id = ?", customerID, id).Find(&rows).Error; err != nil {
		return Address{}, err
	}
	if len(rows) == 0 {
		return Address{}, ErrAddressNotFound
	}
	return rows[0].address(), nil
}

// SaveAddress adds an address to the customer's book (id 0) or replaces one of theirs.
// An address made the default shipping (billing) address stops being another's.
func (s *Service) SaveAddress(ctx context.Context, customerID, id int64, a Address) (Address, error) {
	if err := checkAddress(&a); err != nil {
		return Address{}, err
	}
	street, _ := json.Marshal(a.Street)
	row := addressRow{ID: id, CustomerID: customerID, Firstname: a.Firstname, Lastname: a.Lastname, Company: a.Company, Street: string(street),
		City: a.City, Region: a.Region, RegionCode: a.RegionCode, RegionID: a.RegionID, Postcode: a.Postcode, CountryCode: a.CountryCode,
		Telephone: a.Telephone, DefaultShipping: a.DefaultShipping, DefaultBilling: a.DefaultBilling}
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&addressRow{}).Where("customer_id = ?", customerID).Count(&n).Error; err != nil {
			return err
		}
		if id == 0 {
			if n >= MaxAddresses {
				return AddressError(fmt.Sprintf("An address book holds at most %d addresses.", MaxAddresses))
			}
			row.CreatedAt = time.Now().UTC()
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		} else {
			var old []addressRow
			if err := tx.Where("customer_id = ? AND id = ?", customerID, id).Find(&old).Error; err != nil {
				return err
			}
			if len(old) == 0 {
				return ErrAddressNotFound
			}
			row.CreatedAt = old[0].CreatedAt
			if err := tx.Save(&row).Error; err != nil {
				return err
			}
		}
		for column, on := range map[string]bool{"default_shipping": row.DefaultShipping, "default_billing": row.DefaultBilling} {
			if on {
				if err := tx.Exec("UPDATE customer_addresses SET "+column+" = ? WHERE customer_id = ? AND id <> ?", false, customerID, row.ID).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return Address{}, err
	}
	return row.address(), nil
}

// DeleteAddress removes one of the customer's addresses. As Magento, a default address
// cannot be removed.
func (s *Service) DeleteAddress(ctx context.Context, customerID, id int64) error {
	a, err := s.Address(ctx, customerID, id)
	if err != nil {
		return err
	}
	if a.DefaultShipping || a.DefaultBilling {
		return AddressError("Customer Address cannot be deleted because it is the default address.")
	}
	return s.db.WithContext(ctx).Where("customer_id = ? AND id = ?", customerID, id).Delete(&addressRow{}).Error
}

// checkAddress trims the address, requires what Magento requires, and checks the country
// and region against the directory.
func checkAddress(a *Address) error {
	for _, p := range []*string{&a.Firstname, &a.Lastname, &a.Company, &a.City, &a.Region, &a.RegionCode, &a.Postcode, &a.Telephone} {
		*p = strings.TrimSpace(*p)
	}
	a.CountryCode = strings.ToUpper(strings.TrimSpace(a.CountryCode))
	var street []string
	for _, l := range a.Street {
		if l = strings.TrimSpace(l); l != "" {
			street = append(street, l)
		}
	}
	a.Street = street
	for _, f := range []struct{ name, v string }{{"firstname", a.Firstname}, {"lastname", a.Lastname}, {"street", strings.Join(a.Street, "")},
		{"city", a.City}, {"telephone", a.Telephone}, {"countryId", a.CountryCode}} {
		if f.v == "" {
			return AddressError(fmt.Sprintf("%q is required. Enter and try again.", f.name))
		}
	}
	size := len(a.Firstname) + len(a.Lastname) + len(a.Company) + len(strings.Join(a.Street, "")) + len(a.City) + len(a.Region) + len(a.Postcode) + len(a.Telephone)
	if size > 2048 || len(a.Street) > 4 {
		return AddressError("The address is too long.")
	}
	if _, ok := directory.CountryByCode(a.CountryCode); !ok {
		return AddressError(fmt.Sprintf("Invalid value of %q provided for the countryId field.", a.CountryCode))
	}
	if len(directory.Regions(a.CountryCode)) == 0 {
		a.RegionCode, a.RegionID = "", 0
		return nil
	}
	var r directory.Region
	ok := false
	switch {
	case a.RegionID != 0:
		r, ok = directory.RegionByID(a.CountryCode, a.RegionID)
	case a.RegionCode != "":
		r, ok = directory.RegionByName(a.CountryCode, a.RegionCode)
	case a.Region != "":
		r, ok = directory.RegionByName(a.CountryCode, a.Region)
	default:
		return AddressError(`"regionId" is required. Enter and try again.`)
	}
	if !ok {
		return AddressError(fmt.Sprintf("Invalid value of %q provided for the regionId field.", fmt.Sprint(a.RegionID, a.RegionCode, a.Region)))
	}
	a.Region, a.RegionCode, a.RegionID = r.Name, r.Code, r.ID
	return nil
}
