// Package money reads and writes amounts of money. The application holds every amount in
// minor units — an int64 of hundredths (cents), never a float — in every currency it serves:
// products, rules, carts and orders all use that one scale, so an amount keeps its value
// from a form or an import file through the engine to an order. Every page, form, file and
// export turns amounts into text and back here, so "12.5" typed in the preview, "12.50" in a
// CSV import and a rule's "5.99" are read the same way and shown the same way.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Scale is the number of minor units in one unit of any currency the application holds.
const Scale = 100

// Max is the largest amount Parse accepts, in units (1,000,000,000,000.00): far beyond any
// price, and far from int64's limit, so sums of many amounts cannot overflow.
const Max = 1_000_000_000_000

// MaxPrice is the largest price a product, a cart line or a shipping charge may have, in
// units (1,000,000,000.00).
const MaxPrice = 1_000_000_000

// The errors Parse and ParsePrice return; callers word their own message for the field.
var (
	ErrSyntax   = errors.New("money: not an amount such as 10 or 5.99")
	ErrRange    = errors.New("money: amount too large")
	ErrNegative = errors.New("money: a price cannot be negative")
)

// Parse reads a decimal amount as it is typed or imported — "12", "12.5", "12.50", "-3.99",
// "+1", ".5" — into minor units. More than two decimals are rounded half away from zero on
// the decimal digits themselves (1.005 → 101), never through a float. Spaces around the
// amount are ignored; anything else (thousands separators, exponents, currency signs, NaN)
// is ErrSyntax, and an amount beyond Max is ErrRange.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || strings.Contains(frac, ".") {
		return 0, ErrSyntax
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > len(strconv.Itoa(Max)) {
		return 0, ErrRange
	}
	var units int64
	for _, c := range whole {
		units = units*10 + int64(c-'0')
	}
	var minor int64
	for i := 0; i < 2; i++ {
		minor *= 10
		if i < len(frac) {
			minor += int64(frac[i] - '0')
		}
	}
	if len(frac) > 2 && frac[2] >= '5' {
		minor++
	}
	if units > Max || units == Max && minor > 0 {
		return 0, ErrRange
	}
	v := units*Scale + minor
	if neg {
		v = -v
	}
	return v, nil
}

// ParsePrice is Parse for a price (a product's, a cart line's, a shipping charge): not
// negative (ErrNegative) and at most MaxPrice (ErrRange).
func ParsePrice(s string) (int64, error) {
	v, err := Parse(s)
	switch {
	case err != nil:
		return 0, err
	case v < 0:
		return 0, ErrNegative
	case v > MaxPrice*Scale:
		return 0, ErrRange
	}
	return v, nil
}

// digits reports whether s is only ASCII digits (the empty string is).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format writes minor units as a plain decimal with two places — 1234 → "12.34", -5 →
// "-0.05" — the form Parse reads back, for inputs, files and exports.
func Format(minor int64) string {
	var b [24]byte
	out := b[:0]
	u := uint64(minor)
	if minor < 0 {
		out = append(out, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	out = strconv.AppendUint(out, u/Scale, 10)
	c := u % Scale
	return string(append(out, '.', byte('0'+c/10), byte('0'+c%10)))
}

// Float is minor units as the float64 nearest to the amount's decimal value, for a format
// whose amounts are floats (the GraphQL API's Money.value, which clients read from JSON):
// rounded once, from the exact decimal, as strconv.ParseFloat(Format(minor), 64) rounds
// it, so that it marshals as Format writes it, without the trailing zeros. Up to 2^53
// minor units float64(minor) is exact and one correctly rounded division gives that
// nearest float; past it (a cart of large prices and quantities can get there) the
// conversion would round first and the division again, off by as much as a few cents.
func Float(minor int64) float64 {
	if -maxExact <= minor && minor <= maxExact {
		return float64(minor) / Scale
	}
	f, err := strconv.ParseFloat(Format(minor), 64)
	if err != nil {
		panic(err) // Format writes only what ParseFloat reads
	}
	return f
}

// maxExact is the largest integer every one up to which a float64 holds exactly.
const maxExact = 1 << 53

// Display writes minor units for a person, with the currency code: "USD 12.34", "-USD 0.05".
// An empty currency shows the amount alone.
func Display(currency string, minor int64) string {
	if currency == "" {
		return Format(minor)
	}
	if minor < 0 {
		return "-" + currency + " " + Format(minor)[1:]
	}
	return currency + " " + Format(minor)
}
