package customers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// TokenLifetime is how long a customer token is valid (Magento's default: one hour).
const TokenLifetime = time.Hour

// ErrBadToken means a token is unknown, revoked or expired.
var ErrBadToken = errors.New("customers: the token is not valid")

// hashToken is what is stored of a token: a leaked table grants nothing.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// IssueToken gives the customer a bearer token for the storefront API.
func (s *Service) IssueToken(ctx context.Context, customerID int64, now time.Time) (string, error) {
	b := make([]byte, 32)
	rand.Read(b)
	token := hex.EncodeToString(b)
	err := s.db.WithContext(ctx).Exec("INSERT INTO customer_tokens (token_hash, customer_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
		hashToken(token), customerID, now.UTC().Add(TokenLifetime), now.UTC()).Error
	if err != nil {
		return "", err
	}
	// Expired tokens of this customer are of no more use.
	return token, s.db.WithContext(ctx).Exec("DELETE FROM customer_tokens WHERE customer_id = ? AND expires_at < ?", customerID, now.UTC()).Error
}

// ByToken returns the customer a valid token belongs to.
func (s *Service) ByToken(ctx context.Context, token string, now time.Time) (Customer, error) {
	if len(token) != 64 {
		return Customer{}, ErrBadToken
	}
	var c Customer
	err := s.db.WithContext(ctx).Raw(`SELECT c.* FROM customers c JOIN customer_tokens t ON t.customer_id = c.id
		WHERE t.token_hash = ? AND t.expires_at > ? AND c.is_active`, hashToken(token), now.UTC()).Scan(&c).Error
	if err != nil {
		return Customer{}, err
	}
	if c.ID == 0 {
		return Customer{}, ErrBadToken
	}
	return c, nil
}

// RevokeToken ends a token (sign-out).
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Exec("DELETE FROM customer_tokens WHERE token_hash = ?", hashToken(token)).Error
}
