package audiences

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignedMembership(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	a, b := "5eed0001-0001-4001-8007-000000000001", "5eed0002-0002-4002-800e-000000000002"
	v := SignMembership(key, []string{a, b}, now.Add(time.Hour))
	ids, err := VerifyMembership(key, v, now)
	if err != nil || strings.Join(ids, ",") != a+","+b {
		t.Fatalf("%v %v", ids, err)
	}
	if ids, err := VerifyMembership(key, url.QueryEscape(v), now); err != nil || len(ids) != 2 {
		t.Fatalf("encoded: %v %v", ids, err)
	}
	forged := strings.Replace(v, "0001-4001", "0009-4001", 1)
	for name, tc := range map[string]struct {
		value string
		at    time.Time
		want  error
	}{
		"unsigned":   {a + "," + b, now, ErrUnsigned},
		"forged ids": {forged, now, ErrBadSignature},
		"other key":  {SignMembership([]byte("another-key-another-key-another-k"), []string{a}, now.Add(time.Hour)), now, ErrBadSignature},
		"expired":    {v, now.Add(2 * time.Hour), ErrExpired},
		"truncated":  {v[:len(v)-3], now, ErrBadSignature},
	} {
		if ids, err := VerifyMembership(key, tc.value, tc.at); !errors.Is(err, tc.want) || ids != nil {
			t.Errorf("%s: %v %v, want %v", name, ids, err, tc.want)
		}
	}
}
