package audiences_test

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"audienceactivation/internal/audiences"
)

const (
	idA = "5eed0001-0001-4001-8007-000000000001"
	idB = "5eed0002-0002-4002-800e-000000000002"
	// idOther is an audience id of the longer, non-UUID form Audience Orchestration uses.
	idOther = "aoc_7b1e2f3a9c4d4e5fa6b7c8d9e0f1a2b3_composition_v2"
)

func TestParseMembership(t *testing.T) {
	for name, tc := range map[string]struct {
		raw    string
		header bool
		want   []string
		err    error
	}{
		"header encoded":    {url.QueryEscape(idA + "," + idB), true, []string{idA, idB}, nil},
		"header plain":      {idA + "," + idB, true, []string{idA, idB}, nil},
		"cookie":            {idA + " , " + strings.ToUpper(idB), false, []string{idA, idB}, nil},
		"duplicates":        {idA + "," + idA + "," + strings.ToUpper(idA), true, []string{idA}, nil},
		"malformed dropped": {"no pe," + idA + ",<script>,a;b,\"q\"," + strings.Repeat("x", 256), true, []string{idA}, nil},
		// Ids that are not UUIDs (Audience Orchestration, external audiences) are kept
		// exactly as sent; UUIDs are lower-cased.
		"other id forms": {idOther + "," + strings.ToUpper(idOther) + ",ext:Segment_42," + strings.ToUpper(idA), true,
			[]string{idOther, strings.ToUpper(idOther), "ext:Segment_42", idA}, nil},
		"empty":                 {"", true, nil, nil},
		"only commas":           {",,,", false, nil, nil},
		"bad percent encoding":  {"%zz," + idA, true, []string{idA}, nil},
		"cookie encoded commas": {idA + "%2C" + idB, false, []string{idA, idB}, nil},
		"too many": {strings.Repeat("x,", 1)[:0] + func() string {
			var ids []string
			for i := 0; i < 257; i++ {
				ids = append(ids, strings.Replace(idA, "0001", strings.Repeat("0", 4-len(itoa(i)))+itoa(i), 1))
			}
			return strings.Join(ids, ",")
		}(), true, nil, audiences.ErrMembershipTooLarge},
		"too long": {strings.Repeat(idA+",", 500), false, nil, audiences.ErrMembershipTooLarge},
	} {
		parse := audiences.ParseCookie
		if tc.header {
			parse = audiences.ParseHeader
		}
		got, err := parse(tc.raw)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", name, err, tc.err)
			continue
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func FuzzParseHeader(f *testing.F) {
	f.Add(idA + "," + idB)
	f.Add(url.QueryEscape(idA + ", " + idB))
	f.Add("%")
	f.Add(strings.Repeat(",", 300))
	f.Add(idOther + ",ext:Segment_42," + strings.ToUpper(idOther))
	f.Add(url.QueryEscape(idOther + ", " + strings.ToUpper(idA)))
	f.Fuzz(func(t *testing.T, raw string) {
		for _, parse := range []func(string) ([]string, error){audiences.ParseHeader, audiences.ParseCookie} {
			ids, err := parse(raw)
			if err != nil {
				if !errors.Is(err, audiences.ErrMembershipTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			if len(ids) > audiences.MaxMembershipIDs {
				t.Fatalf("%d ids returned", len(ids))
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if norm, ok := audiences.NormalizeID(id); !ok || norm != id || seen[id] {
					t.Fatalf("bad or duplicate id %q in %v", id, ids)
				}
				seen[id] = true
			}
		}
	})
}

// The hand-written checks accept exactly what their patterns accept.
func FuzzValidAudienceID(f *testing.F) {
	uuid := regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	any := regexp.MustCompile(`^[A-Za-z0-9_:-]{1,255}$`)
	for _, s := range []string{idA, strings.ToUpper(idB), "", idA + "0", idA[:35] + "g", strings.ReplaceAll(idA, "-", "_"),
		"5eed0001-0001-4001-8007-00000000000\u00e9", idOther, "a,b", "a b", "a.b", strings.Repeat("z", 255), strings.Repeat("z", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := audiences.IsUUID(s), uuid.MatchString(s); got != want {
			t.Fatalf("IsUUID(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := audiences.ValidAudienceID(s), any.MatchString(s); got != want {
			t.Fatalf("ValidAudienceID(%q) = %v, the pattern says %v", s, got, want)
		}
		norm, ok := audiences.NormalizeID(s)
		switch {
		case ok != any.MatchString(s):
			t.Fatalf("NormalizeID(%q) ok = %v", s, ok)
		case ok && uuid.MatchString(s) && norm != strings.ToLower(s):
			t.Fatalf("NormalizeID(%q) = %q, want the UUID in lower case", s, norm)
		case ok && !uuid.MatchString(s) && norm != s:
			t.Fatalf("NormalizeID(%q) = %q, want it as sent", s, norm)
		}
	})
}
