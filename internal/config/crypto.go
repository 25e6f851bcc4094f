package config

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strings"
)

// DeriveKey derives an independent 32-byte key for one purpose from the master key, so that
// the session cookie keys and the configuration encryption key never coincide.
func DeriveKey(master []byte, purpose string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("audience-activation/" + purpose))
	return m.Sum(nil)
}

// ErrUnseal means a sealed value could not be decrypted: wrong key or tampered data.
var ErrUnseal = errors.New("config: sealed value cannot be decrypted with the current key")

// sealPrefix marks the format and key version of a sealed value, so a later key rotation can
// tell old values from new ones.
const sealPrefix = "v1:"

// Sealer encrypts configuration secrets at rest with AES-256-GCM. The additional data binds
// each ciphertext to its configuration path, so a value copied to another path does not open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer whose key is derived from the master key.
func NewSealer(master []byte) *Sealer {
	block, err := aes.NewCipher(DeriveKey(master, "config-secrets-v1"))
	if err != nil {
		panic(err) // a 32-byte key never fails
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead}
}

// Seal encrypts plaintext for the given configuration path.
func (s *Sealer) Seal(path, plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic(err)
	}
	ct := s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(path))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(ct)
}

// Open decrypts a value produced by Seal for the same path.
func (s *Sealer) Open(path, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", ErrUnseal
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", ErrUnseal
	}
	n := s.aead.NonceSize()
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(path))
	if err != nil {
		return "", ErrUnseal
	}
	return string(pt), nil
}
