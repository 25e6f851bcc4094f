package audiences

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// signV1 writes the first format as backends written for it do.
func signV1(key []byte, ids []string, expires time.Time) string {
	payload := "v1." + strings.Join(ids, ",") + "." + strconv.FormatInt(expires.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestSignedMembership(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("another-key-another-key-another-k")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	a, b := "5eed0001-0001-4001-8007-000000000001", "5eed0002-0002-4002-800e-000000000002"
	v := SignMembership(key, []string{a, b}, now.Add(time.Hour))
	if !strings.HasPrefix(v, "v2."+KeyID(key)+".") || len(KeyID(key)) != 8 {
		t.Fatalf("value %q", v)
	}
	ids, err := VerifyMembership(key, v, now)
	if err != nil || strings.Join(ids, ",") != a+","+b {
		t.Fatalf("%v %v", ids, err)
	}
	if ids, err := VerifyMembership(key, url.QueryEscape(v), now); err != nil || len(ids) != 2 {
		t.Fatalf("encoded: %v %v", ids, err)
	}
	forged := strings.Replace(v, "0001-4001", "0009-4001", 1)
	// A value naming our key id but signed with another key.
	posing := strings.Replace(SignMembership(other, []string{a}, now.Add(time.Hour)), KeyID(other), KeyID(key), 1)
	for name, tc := range map[string]struct {
		value string
		at    time.Time
		want  error
	}{
		"unsigned":          {a + "," + b, now, ErrUnsigned},
		"forged ids":        {forged, now, ErrBadSignature},
		"other key":         {SignMembership(other, []string{a}, now.Add(time.Hour)), now, ErrUnknownKey},
		"other key, our id": {posing, now, ErrBadSignature},
		"expired":           {v, now.Add(2 * time.Hour), ErrExpired},
		"truncated":         {v[:len(v)-3], now, ErrBadSignature},
		"extra part":        {"v2." + KeyID(key) + "." + a + ".1.x.y.z", now, ErrBadSignature},
		"too long-lived":    {SignMembership(key, []string{a}, now.Add(25*time.Hour)), now, ErrTooLong},
		"v1 too long-lived": {signV1(key, []string{a}, now.Add(30*24*time.Hour)), now, ErrTooLong},
		"v1 forged":         {strings.Replace(signV1(key, []string{a}, now.Add(time.Hour)), "0001-4001", "0009-4001", 1), now, ErrBadSignature},
		"bound to 42":       {signV2(key, []string{a}, now.Add(time.Hour), "42"), now, ErrOtherCustomer},
	} {
		if ids, err := VerifyMembership(key, tc.value, tc.at); !errors.Is(err, tc.want) || ids != nil {
			t.Errorf("%s: %v %v, want %v", name, ids, err, tc.want)
		}
	}
	// Values of the first format still work within the lifetime.
	if ids, err := VerifyMembership(key, signV1(key, []string{a}, now.Add(time.Hour)), now); err != nil || len(ids) != 1 {
		t.Fatalf("v1: %v %v", ids, err)
	}
}

func TestSignedMembershipLifetimeRotationAndBinding(t *testing.T) {
	oldKey := []byte("old-key-old-key-old-key-old-key-0")
	newKey := []byte("new-key-new-key-new-key-new-key-1")
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	a := "5eed0001-0001-4001-8007-000000000001"

	// The signer refuses a lifetime over the maximum (default 24 h, or the store's).
	tr := Trust{Signed: true, Key: oldKey}
	if _, err := tr.Sign([]string{a}, "", now, 25*time.Hour); !errors.Is(err, ErrTooLong) {
		t.Fatalf("25 h: %v", err)
	}
	short := Trust{Signed: true, Key: oldKey, MaxLifetime: time.Hour}
	if _, err := short.Sign([]string{a}, "", now, 2*time.Hour); !errors.Is(err, ErrTooLong) {
		t.Fatalf("2 h under a 1 h maximum: %v", err)
	}
	day, err := tr.Sign([]string{a}, "", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := short.Read(day, true, now); !errors.Is(err, ErrTooLong) {
		t.Fatalf("a day-long value under a 1 h maximum: %v", err)
	}
	if _, err := tr.Sign([]string{"not an id!"}, "", now, time.Hour); err == nil {
		t.Fatal("signed a malformed audience id")
	}

	// Key change: the new key signs, the old one still verifies until it is removed.
	fromOld, _ := tr.Sign([]string{a}, "", now, time.Hour)
	during := Trust{Signed: true, Key: newKey, PreviousKey: oldKey}
	fromNew, _ := during.Sign([]string{a}, "", now, time.Hour)
	if !strings.Contains(fromNew, "."+KeyID(newKey)+".") {
		t.Fatalf("new values name the old key: %q", fromNew)
	}
	for name, v := range map[string]string{"old": fromOld, "new": fromNew} {
		if ids, err := during.Read(v, false, now); err != nil || len(ids) != 1 {
			t.Errorf("during the change, %s key's value: %v %v", name, ids, err)
		}
	}
	after := Trust{Signed: true, Key: newKey}
	if _, err := after.Read(fromOld, false, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old key's value after the change: %v", err)
	}

	// Binding: a value bound to customer 42 is theirs alone.
	bound, err := after.Sign([]string{a}, "42", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := after.ReadFor(bound, true, now, "42"); err != nil || len(ids) != 1 {
		t.Fatalf("customer 42: %v %v", ids, err)
	}
	for _, who := range []string{"43", ""} {
		if _, err := after.ReadFor(bound, true, now, who); !errors.Is(err, ErrOtherCustomer) {
			t.Errorf("customer %q used 42's value: %v", who, err)
		}
	}
	if _, err := after.Read(bound, true, now); !errors.Is(err, ErrOtherCustomer) {
		t.Fatalf("Read (no customer known) accepted a bound value: %v", err)
	}
	// An unbound value is anyone's.
	if ids, err := after.ReadFor(fromNew, true, now, "42"); err != nil || len(ids) != 1 {
		t.Fatalf("unbound value for a customer: %v %v", ids, err)
	}
	if _, err := after.Sign([]string{a}, "4.2", now, time.Hour); err == nil {
		t.Fatal("a customer id with a dot was signed")
	}
}
