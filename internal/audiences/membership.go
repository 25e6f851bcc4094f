package audiences

import (
	"errors"
	"net/url"
	"strings"
)

// MembershipName is the cookie and header that carry a shopper's audience ids.
const MembershipName = "aep-segments-membership"

// Limits on a membership value: beyond them the request is refused, never half-read.
const (
	MaxMembershipIDs   = 256
	MaxMembershipBytes = 16 << 10
)

// ErrMembershipTooLarge means a membership value is over MaxMembershipIDs or
// MaxMembershipBytes.
var ErrMembershipTooLarge = errors.New("the aep-segments-membership value is too large: at most 256 audience ids and 16 KiB")

// MaxAudienceIDLength is the longest audience id accepted (the cdp_id column's width).
const MaxAudienceIDLength = 255

// IsUUID reports whether id is a UUID, 8-4-4-4-12 hexadecimal digits in either case.
// (Checked by hand: every storefront request checks each id it is sent, and a regular
// expression took a tenth of reading the request.)
func IsUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidAudienceID reports whether id is a well-formed CDP audience id as Adobe sends them:
// a UUID for platform audiences, and for others (Audience Orchestration, external
// audiences) a string of letters, digits and "-", "_", ":" of at most 255 bytes. No form
// holds a comma, a space, a quote or a dot, so a membership list, and a signed value whose
// parts are separated by dots, split unambiguously.
func ValidAudienceID(id string) bool {
	if len(id) == 0 || len(id) > MaxAudienceIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// NormalizeID returns the form an audience id is stored and matched in, and whether it is
// well formed: a UUID in lower case (UUIDs are case-insensitive, and Adobe writes them
// lower case), any other id exactly as sent.
func NormalizeID(id string) (string, bool) {
	if !ValidAudienceID(id) {
		return "", false
	}
	if IsUUID(id) {
		return strings.ToLower(id), true
	}
	return id, true
}

// ParseHeader reads the header form: URL-encoded ("+" is a space, as form encoders
// write it), comma-separated ids.
func ParseHeader(raw string) ([]string, error) {
	if len(raw) > MaxMembershipBytes {
		return nil, ErrMembershipTooLarge
	}
	if dec, err := url.QueryUnescape(raw); err == nil {
		raw = dec
	}
	return parseList(raw)
}

// ParseCookie reads the cookie form: comma-separated ids, not encoded (an encoded value, as
// some scripts write it, is read too).
func ParseCookie(raw string) ([]string, error) {
	if len(raw) > MaxMembershipBytes {
		return nil, ErrMembershipTooLarge
	}
	if strings.Contains(raw, "%") {
		if dec, err := url.PathUnescape(raw); err == nil {
			raw = dec
		}
	}
	return parseList(raw)
}

// parseList splits on commas, trims, normalizes (NormalizeID) and de-duplicates, keeping
// first-seen order, and drops anything that is not a well-formed id.
func parseList(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ",")
	seen := make(map[string]bool, len(parts))
	out := make([]string, 0, len(parts))
	distinct := 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if IsUUID(p) {
			p = strings.ToLower(p)
		}
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		distinct++
		if distinct > MaxMembershipIDs {
			return nil, ErrMembershipTooLarge
		}
		if ValidAudienceID(p) {
			out = append(out, p)
		}
	}
	return out, nil
}
