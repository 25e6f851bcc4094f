package audiences

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Trusted membership: the cookie and header are written by the shopper's browser, so a
// shopper could grant themself an audience and its discount. In signed mode the value must be
// issued by the merchant's trusted backend:
//
//	v2.<key id>.<ids>.<expiry>.<customer>.<signature>
//
// ids are comma-separated audience ids, expiry is Unix seconds, customer is empty or the id
// of the only customer the value is valid for, and the signature is the base64url
// HMAC-SHA256 of everything before it under the key that <key id> names. A key's id is the
// first 8 hexadecimal digits of the SHA-256 of the key (KeyID), so the backend and the store
// agree on it without another setting, and two keys can be valid at once while a key is
// changed: the new one signs, the previous one is still accepted. A value may live at most
// MaxLifetime (default 24 h): the signer refuses longer and the verifier refuses a value
// that expires further ahead than that, so a leaked value, or a key's last signatures, stop
// working within a day. The first format, "v1.<ids>.<expiry>.<signature>" (no key id, no
// customer), is still read, under the same lifetime rule.

// Signed membership errors; each means "no membership".
var (
	ErrUnsigned      = errors.New("the membership value is not signed")
	ErrBadSignature  = errors.New("the membership signature does not match")
	ErrExpired       = errors.New("the signed membership has expired")
	ErrUnknownKey    = errors.New("the membership value names a signing key this store does not have")
	ErrTooLong       = errors.New("the signed membership lives longer than the maximum lifetime")
	ErrOtherCustomer = errors.New("the signed membership belongs to another customer")
)

// MinSigningKey is the shortest signing key accepted.
const MinSigningKey = 32

// DefaultMaxLifetime is how long a signed value may live when the store sets no other limit.
const DefaultMaxLifetime = 24 * time.Hour

// clockSkew is the leeway between the signer's clock and ours when checking the lifetime.
const clockSkew = time.Minute

var customerRe = regexp.MustCompile(`^[A-Za-z0-9_-]{0,64}$`)

// KeyID is the id values name key by: the first 8 hex digits of its SHA-256.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// SignMembership returns a signed membership value for ids, valid until expires, for any
// shopper. It does not check the lifetime: Trust.Sign does.
func SignMembership(key []byte, ids []string, expires time.Time) string {
	return signV2(key, ids, expires, "")
}

func signV2(key []byte, ids []string, expires time.Time, customer string) string {
	payload := "v2." + KeyID(key) + "." + strings.Join(ids, ",") + "." + strconv.FormatInt(expires.Unix(), 10) + "." + customer
	return payload + "." + sign(key, payload)
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifyMembership checks a signed value (URL-decoded first when encoded) with one key and
// the default lifetime, for a shopper who is not signed in; see Trust.Verify.
func VerifyMembership(key []byte, raw string, now time.Time) ([]string, error) {
	return Trust{Signed: true, Key: key}.Verify(raw, now, "")
}

// Trust is how a store reads shoppers' membership: as sent (plain), or signed.
type Trust struct {
	Signed bool
	// Key signs and verifies; PreviousKey, during a key change, verifies too.
	Key, PreviousKey []byte
	// MaxLifetime bounds how long a signed value may live; zero means DefaultMaxLifetime.
	MaxLifetime time.Duration
}

func (t Trust) maxLifetime() time.Duration {
	if t.MaxLifetime <= 0 {
		return DefaultMaxLifetime
	}
	return t.MaxLifetime
}

// Sign returns a value for ids valid for ttl from now, bound to customer when it is not
// empty. A ttl over the maximum lifetime is refused.
func (t Trust) Sign(ids []string, customer string, now time.Time, ttl time.Duration) (string, error) {
	if len(t.Key) < MinSigningKey {
		return "", fmt.Errorf("the signing key must have at least %d characters", MinSigningKey)
	}
	if ttl <= 0 || ttl > t.maxLifetime() {
		return "", fmt.Errorf("%w: %s asked, at most %s", ErrTooLong, ttl, t.maxLifetime())
	}
	if !customerRe.MatchString(customer) {
		return "", errors.New("the customer id must be letters, digits, - or _ (at most 64)")
	}
	for _, id := range ids {
		if _, ok := NormalizeID(id); !ok {
			return "", fmt.Errorf("%q is not an audience id", id)
		}
	}
	return signV2(t.Key, ids, now.Add(ttl), customer), nil
}

// Verify checks a signed value (URL-decoded first when encoded) and returns its well-formed
// ids. customer is the signed-in customer's id ("" for a guest): a value bound to a customer
// is valid for that customer only. Any problem returns an error and no ids.
func (t Trust) Verify(raw string, now time.Time, customer string) ([]string, error) {
	if len(raw) > MaxMembershipBytes {
		return nil, ErrMembershipTooLarge
	}
	if strings.Contains(raw, "%") {
		if dec, err := url.PathUnescape(raw); err == nil {
			raw = dec
		}
	}
	var parts []string
	var key []byte
	switch {
	case strings.HasPrefix(raw, "v2."):
		// v2.kid.ids.expiry.customer.signature
		if parts = strings.Split(raw, "."); len(parts) != 6 {
			return nil, ErrBadSignature
		}
		switch kid := parts[1]; {
		case len(t.Key) > 0 && kid == KeyID(t.Key):
			key = t.Key
		case len(t.PreviousKey) > 0 && kid == KeyID(t.PreviousKey):
			key = t.PreviousKey
		default:
			return nil, ErrUnknownKey
		}
		if !t.signedBy(key, raw) {
			return nil, ErrBadSignature
		}
	case strings.HasPrefix(raw, "v1."):
		// v1.ids.expiry.signature: either key may have signed it.
		p := strings.Split(raw, ".")
		if len(p) != 4 {
			return nil, ErrBadSignature
		}
		for _, k := range [][]byte{t.Key, t.PreviousKey} {
			if len(k) > 0 && t.signedBy(k, raw) {
				key = k
			}
		}
		if key == nil {
			return nil, ErrBadSignature
		}
		parts = []string{"v1", "", p[1], p[2], "", p[3]}
	default:
		return nil, ErrUnsigned
	}
	exp, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return nil, ErrBadSignature
	}
	expires := time.Unix(exp, 0)
	if !now.Before(expires) {
		return nil, fmt.Errorf("%w (at %s)", ErrExpired, expires.UTC().Format(time.RFC3339))
	}
	if expires.Sub(now) > t.maxLifetime()+clockSkew {
		return nil, fmt.Errorf("%w: it expires %s from now, at most %s", ErrTooLong, expires.Sub(now).Round(time.Second), t.maxLifetime())
	}
	if bound := parts[4]; bound != "" && bound != customer {
		return nil, ErrOtherCustomer
	}
	return parseList(parts[2])
}

// signedBy reports whether the value's last dot-separated part is its HMAC under key.
func (t Trust) signedBy(key []byte, raw string) bool {
	i := strings.LastIndexByte(raw, '.')
	return i > 0 && hmac.Equal([]byte(sign(key, raw[:i])), []byte(raw[i+1:]))
}

// Read returns the ids of a membership value from the header (URL-encoded) or the cookie,
// for a shopper who is not known to be signed in. In signed mode an unsigned, forged,
// expired, too long-lived or customer-bound value is an error, and means no membership.
func (t Trust) Read(raw string, header bool, now time.Time) ([]string, error) {
	return t.ReadFor(raw, header, now, "")
}

// ReadFor is Read for the signed-in customer with id customer ("" for a guest), who may
// use values bound to them.
func (t Trust) ReadFor(raw string, header bool, now time.Time, customer string) ([]string, error) {
	switch {
	case t.Signed:
		return t.Verify(raw, now, customer)
	case header:
		return ParseHeader(raw)
	}
	return ParseCookie(raw)
}
