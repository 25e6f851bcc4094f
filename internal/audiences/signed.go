package audiences

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Trusted membership: the cookie and header are written by the shopper's browser, so a
// shopper could grant themself an audience and its discount. In signed mode the value must be
// issued by the merchant's trusted backend: "v1.<ids>.<expiry>.<signature>", where ids are
// comma-separated audience ids, expiry is Unix seconds and the signature is the base64url
// HMAC-SHA256 of "v1.<ids>.<expiry>" under the configured key.

// Signed membership errors; each means "no membership".
var (
	ErrUnsigned     = errors.New("the membership value is not signed")
	ErrBadSignature = errors.New("the membership signature does not match")
	ErrExpired      = errors.New("the signed membership has expired")
)

// MinSigningKey is the shortest signing key accepted.
const MinSigningKey = 32

// SignMembership returns a signed membership value for ids, valid until expires.
func SignMembership(key []byte, ids []string, expires time.Time) string {
	payload := "v1." + strings.Join(ids, ",") + "." + strconv.FormatInt(expires.Unix(), 10)
	return payload + "." + sign(key, payload)
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifyMembership checks a signed value (URL-decoded first when encoded) and returns its
// well-formed ids; any problem returns an error and no ids.
func VerifyMembership(key []byte, raw string, now time.Time) ([]string, error) {
	if len(raw) > MaxMembershipBytes {
		return nil, ErrMembershipTooLarge
	}
	if strings.Contains(raw, "%") {
		if dec, err := url.PathUnescape(raw); err == nil {
			raw = dec
		}
	}
	if !strings.HasPrefix(raw, "v1.") {
		return nil, ErrUnsigned
	}
	i := strings.LastIndexByte(raw, '.')
	payload, sig := raw[:i], raw[i+1:]
	if !hmac.Equal([]byte(sign(key, payload)), []byte(sig)) {
		return nil, ErrBadSignature
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 {
		return nil, ErrBadSignature
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return nil, ErrBadSignature
	}
	if now.Unix() > exp {
		return nil, fmt.Errorf("%w (at %s)", ErrExpired, time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return parseList(parts[1])
}

// Trust is how a store reads shoppers' membership: as sent (plain), or signed with Key.
type Trust struct {
	Signed bool
	Key    []byte
}

// Read returns the ids of a membership value from the header (URL-encoded) or the cookie.
// In signed mode an unsigned, forged or expired value is an error, and means no membership.
func (t Trust) Read(raw string, header bool, now time.Time) ([]string, error) {
	switch {
	case t.Signed:
		return VerifyMembership(t.Key, raw, now)
	case header:
		return ParseHeader(raw)
	}
	return ParseCookie(raw)
}
