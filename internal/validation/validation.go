// Package validation holds the error type every domain package returns when user input is
// wrong, so that the web layer can show each message beside its field.
package validation

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors maps a field name to a message a person can act on.
type Errors map[string]string

// Add records msg for field unless the field already has a message (the first problem wins).
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Err returns e as an error, or nil when there are no messages.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error lists the messages in field order.
func (e Errors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// IsText reports whether s is valid UTF-8 without control characters (newlines and tabs
// allowed when multiline). Databases refuse some such bytes (PostgreSQL: NUL), and no name
// or setting needs them.
func IsText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return false
		}
	}
	return true
}

// Clean makes s safe to store and show: invalid bytes and control characters removed, at
// most max bytes (cut on a character boundary).
func Clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}

// SpreadsheetSafe keeps a CSV cell a spreadsheet would read as a formula (one starting
// with = + - @, a tab or a carriage return) as text, with a leading apostrophe, so that a
// code or a name typed by someone cannot run as a formula where the file is opened.
func SpreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
