// Package passwords hashes and checks passwords with argon2id, for admin users and
// storefront customers alike.
package passwords

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// slots bounds how many hashes run at once: each takes 19 MiB and a core for tens of
// milliseconds, so a flood of sign-ins queues here instead of exhausting the machine.
var slots = make(chan struct{}, 2)

// MaxLength is the longest password hashed; longer ones are refused before hashing.
const MaxLength = 256

// Hash returns an encoded argon2id hash with a random salt.
func Hash(password string) (string, error) {
	slots <- struct{}{}
	defer func() { <-slots }()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Check reports whether password matches the encoded hash, in constant time.
func Check(encoded, password string) bool {
	if len(password) > MaxLength {
		return false
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	slots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	<-slots
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when a user is unknown, so that the response time does not tell
// which users exist.
var dummyHash, _ = Hash("not-a-real-password-only-for-timing")

// CheckUnknown spends the time of a check, for a user that does not exist.
func CheckUnknown(password string) { Check(dummyHash, password) }
