package storefront

import (
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// A Money value is written as the amount it is: a client reading the JSON number gets the
// float nearest to the exact amount, as it would from the decimal. Past 2^53 minor units
// (a cart of 200 lines at the largest price and quantity gets there) converting to
// float64 and then dividing by 100 is not: 9007199254740997 minor units would read as
// 90071992547409.95, 9007199254740999 as 90071992547410.
func TestMoneyIsTheExactAmount(t *testing.T) {
	for minor, decimal := range map[int64]string{30: "0.3", 1999: "19.99", -5: "-0.05", 100: "1", 70: "0.7",
		9007199254740997: "90071992547409.97", 9007199254740999: "90071992547409.99", -9007199254740997: "-90071992547409.97"} {
		m := moneyOf(minor, "USD")
		var b strings.Builder
		graphql.MarshalFloat(*m.Value).MarshalGQL(&b)
		got, err := strconv.ParseFloat(b.String(), 64)
		want, _ := strconv.ParseFloat(decimal, 64)
		if err != nil || got != want || *m.Currency != "USD" {
			t.Errorf("%d minor units: written %s (%s), want %s", minor, b.String(), *m.Currency, decimal)
		}
	}
}
