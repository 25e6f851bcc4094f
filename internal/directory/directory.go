// Package directory is the store's list of countries and their regions (Magento's
// "directory"): the codes a checkout address is checked against and the lists a storefront
// shows in its address forms. It is data only: no I/O.
package directory

import (
	"sort"
	"strings"
)

// Country is a country a store can ship to.
type Country struct {
	Code  string // ISO 3166-1 alpha-2
	Code3 string // ISO 3166-1 alpha-3
	Name  string // English name
}

// Region is a state or province of a country. ID numbers a region within this store (a
// storefront sends it back as region_id); Code is its postal abbreviation.
type Region struct {
	ID   int
	Code string
	Name string
}

// Countries are all countries, in code order.
func Countries() []Country { return countries }

// CountryByCode is the country with the two-letter code (in any case).
func CountryByCode(code string) (Country, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	i := sort.Search(len(countries), func(i int) bool { return countries[i].Code >= code })
	if i < len(countries) && countries[i].Code == code {
		return countries[i], true
	}
	return Country{}, false
}

// Regions are the country's regions, for the countries whose addresses name one (none:
// the address's region is free text).
func Regions(countryCode string) []Region { return regions[strings.ToUpper(countryCode)] }

// RegionByID is the region with the id, in the country.
func RegionByID(countryCode string, id int) (Region, bool) {
	for _, r := range Regions(countryCode) {
		if r.ID == id {
			return r, true
		}
	}
	return Region{}, false
}

// RegionByName is the country's region named by its code or name (in any case).
func RegionByName(countryCode, s string) (Region, bool) {
	s = strings.TrimSpace(s)
	for _, r := range Regions(countryCode) {
		if strings.EqualFold(r.Code, s) || strings.EqualFold(r.Name, s) {
			return r, true
		}
	}
	return Region{}, false
}

// regions: the states of the United States (and the District of Columbia) and the
// provinces and territories of Canada, numbered in this order.
var regions = func() map[string][]Region {
	lists := map[string][][2]string{
		"US": {{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"}, {"CA", "California"}, {"CO", "Colorado"},
			{"CT", "Connecticut"}, {"DE", "Delaware"}, {"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
			{"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"},
			{"ME", "Maine"}, {"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"},
			{"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"}, {"NH", "New Hampshire"}, {"NJ", "New Jersey"},
			{"NM", "New Mexico"}, {"NY", "New York"}, {"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"},
			{"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"}, {"SD", "South Dakota"},
			{"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"}, {"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"},
			{"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"}},
		"CA": {{"AB", "Alberta"}, {"BC", "British Columbia"}, {"MB", "Manitoba"}, {"NB", "New Brunswick"}, {"NL", "Newfoundland and Labrador"},
			{"NT", "Northwest Territories"}, {"NS", "Nova Scotia"}, {"NU", "Nunavut"}, {"ON", "Ontario"}, {"PE", "Prince Edward Island"},
			{"QC", "Quebec"}, {"SK", "Saskatchewan"}, {"YT", "Yukon"}},
	}
	out := map[string][]Region{}
	id := 0
	for _, country := range []string{"US", "CA"} {
		for _, r := range lists[country] {
			id++
			out[country] = append(out[country], Region{ID: id, Code: r[0], Name: r[1]})
		}
	}
	return out
}()
