// Package passwords hashes and checks passwords with argon2id, for admin users and
// storefront customers alike.
package passwords

import (
	"context"
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
// Admins have a slot of their own (adminSlots): a flood of storefront sign-ins, which
// anyone can send, queues only behind itself.
var (
	slots      = make(chan struct{}, 2)
	adminSlots = make(chan struct{}, 1)
)

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
	salt, want, iters, mem, threads, ok := decode(encoded)
	if !ok {
		return false
	}
	slots <- struct{}{}
	defer func() { <-slots }()
	return check(salt, want, iters, mem, threads, password)
}

func check(salt, want []byte, iters, mem uint32, threads uint8, password string) bool {
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CheckAdmin is Check in the admins' own hashing slot; it gives up when ctx ends while
// waiting for it.
func CheckAdmin(ctx context.Context, encoded, password string) (bool, error) {
	select {
	case adminSlots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-adminSlots }()
	salt, want, iters, mem, threads, ok := decode(encoded)
	if !ok || len(password) > MaxLength {
		return false, nil
	}
	return check(salt, want, iters, mem, threads, password), nil
}

// CheckAdminUnknown spends the time of CheckAdmin, for a user that does not exist.
func CheckAdminUnknown(ctx context.Context, password string) error {
	_, err := CheckAdmin(ctx, dummyHash, password)
	return err
}

// decode splits an encoded hash into its parameters.
func decode(encoded string) (salt, want []byte, iters, mem uint32, threads uint8, ok bool) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return nil, nil, 0, 0, 0, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return nil, nil, 0, 0, 0, false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return nil, nil, 0, 0, 0, false
	}
	want, err = base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return nil, nil, 0, 0, 0, false
	}
	return salt, want, iters, mem, threads, true
}

// dummyHash is checked when a user is unknown, so that the response time does not tell
// which users exist.
var dummyHash, _ = Hash("not-a-real-password-only-for-timing")

// CheckUnknown spends the time of a check, for a user that does not exist.
func CheckUnknown(password string) { Check(dummyHash, password) }
