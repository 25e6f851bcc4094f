package money

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  error
	}{
		{"0", 0, nil},
		{"12", 1200, nil},
		{"12.5", 1250, nil},
		{"12.50", 1250, nil},
		{" 25.00 ", 2500, nil},
		{".5", 50, nil},
		{"5.", 500, nil},
		{"+1", 100, nil},
		{"-3.99", -399, nil},
		{"-0", 0, nil},
		{"007.10", 710, nil},
		{"1.005", 101, nil}, // a float would give 100.49999… and round down
		{"1.004", 100, nil},
		{"1.995", 200, nil},
		{"-1.005", -101, nil}, // half away from zero
		{"0.0049", 0, nil},
		{"999999999999.999", Max * Scale, nil},
		{"1000000000000", Max * Scale, nil},
		{"1000000000000.01", 0, ErrRange},
		{"99999999999999999999999", 0, ErrRange},
		{"", 0, ErrSyntax},
		{"-", 0, ErrSyntax},
		{".", 0, ErrSyntax},
		{"1.2.3", 0, ErrSyntax},
		{"1,234.56", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
		{"Inf", 0, ErrSyntax},
		{"$5", 0, ErrSyntax},
		{"5 USD", 0, ErrSyntax},
		{"--5", 0, ErrSyntax},
		{"+-5", 0, ErrSyntax},
		{"١٢", 0, ErrSyntax}, // digits of another script
		{"0x10", 0, ErrSyntax},
	} {
		got, err := Parse(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestParsePrice(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  error
	}{
		{"25.00", 2500, nil},
		{"0", 0, nil},
		{"-0", 0, nil},
		{"1000000000", MaxPrice * Scale, nil},
		{"1000000000.01", 0, ErrRange},
		{"-0.01", 0, ErrNegative},
		{"abc", 0, ErrSyntax},
	} {
		got, err := ParsePrice(c.in)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("ParsePrice(%q) = %d, %v; want %d, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestFormatAndDisplay(t *testing.T) {
	for _, c := range []struct {
		minor         int64
		plain, person string
	}{
		{0, "0.00", "USD 0.00"},
		{5, "0.05", "USD 0.05"},
		{-5, "-0.05", "-USD 0.05"},
		{1234, "12.34", "USD 12.34"},
		{-123456, "-1234.56", "-USD 1234.56"},
		{100000000000000, "1000000000000.00", "USD 1000000000000.00"},
		{math.MaxInt64, "92233720368547758.07", "USD 92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08", "-USD 92233720368547758.08"},
	} {
		if got := Format(c.minor); got != c.plain {
			t.Errorf("Format(%d) = %q, want %q", c.minor, got, c.plain)
		}
		if got := Display("USD", c.minor); got != c.person {
			t.Errorf("Display(USD, %d) = %q, want %q", c.minor, got, c.person)
		}
	}
	if got := Display("", -250); got != "-2.50" {
		t.Errorf("Display without a currency = %q", got)
	}
}

// FuzzParse holds Parse to an exact decimal reference (math/big): whatever it accepts is the
// amount rounded half away from zero to hundredths, Format writes it back so that Parse
// reads the same value, and it refuses what is not a plain decimal.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "12.5", "-3.99", "1.005", ".5", "5.", "1e3", "1,5", " 7 ", "999999999999.999", "-0.0049", "+00.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		want, ok := reference(s)
		switch {
		case !ok:
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) = %d, %v; want ErrSyntax", s, v, err)
			}
			return
		case want == nil:
			if !errors.Is(err, ErrRange) {
				t.Fatalf("Parse(%q) = %d, %v; want ErrRange", s, v, err)
			}
			return
		case err != nil || v != want.Int64():
			t.Fatalf("Parse(%q) = %d, %v; want %s", s, v, err, want)
		}
		back, err := Parse(Format(v))
		if err != nil || back != v {
			t.Fatalf("Parse(Format(%d)) = %d, %v (Format gave %q)", v, back, err, Format(v))
		}
	})
}

// FuzzFormat: every amount in range survives Format then Parse.
func FuzzFormat(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, -12345, Max * Scale, -Max * Scale} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		if v > Max*Scale || v < -Max*Scale {
			return
		}
		got, err := Parse(Format(v))
		if err != nil || got != v {
			t.Fatalf("Parse(Format(%d)) = %d, %v (Format gave %q)", v, got, err, Format(v))
		}
	})
}

// reference parses s with math/big: ok false when s is not [sign] digits [. digits] with at
// least one digit; a nil amount when it is beyond Max.
func reference(s string) (*big.Int, bool) {
	s = strings.TrimSpace(s)
	body := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if len(body) < len(s)-1 || body == "" || body == "." || strings.Count(body, ".") > 1 || strings.Trim(body, "0123456789.") != "" {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strings.TrimSuffix(body, "."))
	if !ok {
		return nil, false
	}
	r.Mul(r, big.NewRat(Scale, 1))
	// Half away from zero on the magnitude: floor(r + 1/2).
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if n.Cmp(big.NewInt(Max*Scale)) > 0 {
		return nil, true
	}
	if strings.HasPrefix(s, "-") {
		n.Neg(n)
	}
	return n, true
}

// Float is the float64 nearest to the amount, as math/big rounds the exact fraction, on
// both sides of 2^53 minor units, where converting first and dividing after is off:
// 9007199254740997 minor units would come out 90071992547409.95.
func TestFloat(t *testing.T) {
	for _, c := range []struct {
		minor int64
		want  float64
	}{{0, 0}, {1, 0.01}, {30, 0.3}, {-5, -0.05}, {1999, 19.99}, {9007199254740997, 90071992547409.97},
		{-9007199254740997, -90071992547409.97}, {9007199254740999, 90071992547409.99}} {
		if got := Float(c.minor); got != c.want {
			t.Errorf("Float(%d) = %v, want %v", c.minor, got, c.want)
		}
	}
	for _, v := range []int64{1<<53 - 1, 1 << 53, 1<<53 + 1, 1<<53 + 3, 1<<60 + 7, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, -(1 << 53) - 3} {
		if got, want := Float(v), nearest(v); got != want {
			t.Errorf("Float(%d) = %v, want %v", v, got, want)
		}
	}
}

// FuzzFloat: every amount is the float64 nearest to it.
func FuzzFloat(f *testing.F) {
	for _, v := range []int64{0, 7, -30, 1<<53 + 1, 1<<53 + 97, math.MaxInt64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		if got, want := Float(v), nearest(v); got != want {
			t.Fatalf("Float(%d) = %v, want %v", v, got, want)
		}
	})
}

func nearest(minor int64) float64 {
	f, _ := new(big.Rat).SetFrac(big.NewInt(minor), big.NewInt(Scale)).Float64()
	return f
}
