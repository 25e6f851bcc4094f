package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/throttle"
)

// Two-factor sign-in: time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second
// steps, which every authenticator app reads from the otpauth:// QR code), accepted one step
// either side of the server's clock. A code's step is remembered and never accepted again,
// so a code seen over a shoulder cannot be replayed. Recovery codes are random, shown once,
// stored as SHA-256 hashes (they carry 50 bits of randomness each, so a slow hash adds
// nothing) and used once.

// Sentinel errors of two-factor sign-in.
var (
	ErrWrongCode       = errors.New("auth: the code is not right")
	ErrNotEnrolled     = errors.New("auth: two-factor sign-in is not set up for this user")
	ErrAlreadyEnrolled = errors.New("auth: two-factor sign-in is already set up")
	ErrNoSealer        = errors.New("auth: no key to seal two-factor secrets with")
)

// TOTP parameters.
const (
	TOTPIssuer        = "Audience Activation"
	totpPeriod        = 30
	totpSkew          = 1
	RecoveryCodeCount = 10
	// MaxCodeFailures wrong codes per user within Window pause two-factor sign-in.
	MaxCodeFailures = 5
)

// Sealer encrypts secrets at rest (config.Sealer).
type Sealer interface {
	Seal(path, plaintext string) string
	Open(path, sealed string) (string, error)
}

// UseSealer sets what seals two-factor secrets; the wiring passes the configuration
// secrets' sealer, so the secrets are encrypted with the server key like other secrets.
func (s *Service) UseSealer(x Sealer) { s.sealer = x }

func totpPath(id int64) string { return fmt.Sprintf("admin_users/%d/totp_secret", id) }

// Enrolment is what a person needs to add the account to an authenticator app.
type Enrolment struct {
	Secret string // base32, for typing in
	URI    string // otpauth://totp/…
	QRPNG  []byte // the URI as a QR code
}

// TwoFactorEnabled reports whether u finished enrolment.
func (u User) TwoFactorEnabled() bool { return u.TOTPEnabledAt != nil }

// PendingEnrolment returns the secret u is enrolling with, making and storing (sealed) a new
// one the first time, so that reloading the page shows the same QR code.
func (s *Service) PendingEnrolment(ctx context.Context, id int64) (Enrolment, error) {
	if s.sealer == nil {
		return Enrolment{}, ErrNoSealer
	}
	u, err := s.Get(ctx, id)
	if err != nil {
		return Enrolment{}, err
	}
	if u.TwoFactorEnabled() {
		return Enrolment{}, ErrAlreadyEnrolled
	}
	var secret string
	if u.TOTPSecret != "" {
		if secret, err = s.sealer.Open(totpPath(u.ID), u.TOTPSecret); err != nil {
			return Enrolment{}, err
		}
	} else {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: u.Username, Period: totpPeriod,
			SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return Enrolment{}, err
		}
		secret = key.Secret()
		res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_secret = '' AND totp_enabled_at IS NULL", u.ID).
			Update("totp_secret", s.sealer.Seal(totpPath(u.ID), secret))
		if res.Error != nil {
			return Enrolment{}, res.Error
		}
		if res.RowsAffected == 0 { // another request stored one first: use that
			return s.PendingEnrolment(ctx, id)
		}
	}
	q := url.Values{"secret": {secret}, "issuer": {TOTPIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {fmt.Sprint(totpPeriod)}}
	uri := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + TOTPIssuer + ":" + u.Username, RawQuery: q.Encode()}
	key, err := otp.NewKeyFromURL(uri.String())
	if err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URI: key.URL(), QRPNG: buf.Bytes()}, nil
}

// codeScope is the throttle scope of wrong two-factor codes, per user id.
const codeScope = "admin-2fa"

// codeLimiter throttles wrong codes per user.
func (s *Service) codeLimiter() *throttle.Limiter {
	l := throttle.New(s.dbx, codeScope, MaxCodeFailures, Window)
	l.SetClock(s.now)
	return l
}

// matchStep returns the time step whose code is code, within the skew, or 0.
func (s *Service) matchStep(secret, code string) int64 {
	now := s.now()
	var found int64
	for off := -totpSkew; off <= totpSkew; off++ {
		t := now.Add(time.Duration(off*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found = t.Unix() / totpPeriod
		}
	}
	return found
}

func normalizeCode(code string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}

// ConfirmEnrolment finishes enrolment when code is right for the pending secret, and returns
// the recovery codes, in plain text this once.
func (s *Service) ConfirmEnrolment(ctx context.Context, actor audit.Actor, id int64, code string) ([]string, error) {
	ticket, err := s.codeLimiter().Attempt(ctx, fmt.Sprint(id))
	if err != nil {
		return nil, throttledFrom(err)
	}
	u, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.TwoFactorEnabled() {
		return nil, ErrAlreadyEnrolled
	}
	if u.TOTPSecret == "" || s.sealer == nil {
		return nil, ErrNotEnrolled
	}
	secret, err := s.sealer.Open(totpPath(u.ID), u.TOTPSecret)
	if err != nil {
		return nil, err
	}
	step := s.matchStep(secret, normalizeCode(code))
	if step == 0 {
		return nil, ErrWrongCode
	}
	codes := make([]string, RecoveryCodeCount)
	now := s.now()
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ? AND totp_enabled_at IS NULL", id).Updates(map[string]any{"totp_enabled_at": now, "totp_last_step": step})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAlreadyEnrolled
		}
		if err := tx.Where("user_id = ?", id).Delete(&recoveryCode{}).Error; err != nil {
			return err
		}
		for i := range codes {
			codes[i] = newRecoveryCode()
			if err := tx.Create(&recoveryCode{UserID: id, CodeHash: hashRecoveryCode(codes[i]), CreatedAt: now}).Error; err != nil {
				return err
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionAdminUpdate, "admin_user", fmt.Sprint(id),
			fmt.Sprintf("Two-factor sign-in set up for %q", u.Username), nil, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, ticket.Succeeded(ctx)
}

// VerifySecondFactor checks a 6-digit code or an unused recovery code of user id. Wrong
// codes are throttled per user (MaxCodeFailures within Window, *ThrottledError); a code's
// time step and a recovery code are each accepted once. usedRecovery tells which kind passed.
func (s *Service) VerifySecondFactor(ctx context.Context, actor audit.Actor, id int64, code string) (usedRecovery bool, err error) {
	ticket, err := s.codeLimiter().Attempt(ctx, fmt.Sprint(id))
	if err != nil {
		return false, throttledFrom(err)
	}
	u, err := s.Get(ctx, id)
	if err != nil {
		return false, err
	}
	if !u.TwoFactorEnabled() || s.sealer == nil {
		return false, ErrNotEnrolled
	}
	code = normalizeCode(code)
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		secret, err := s.sealer.Open(totpPath(u.ID), u.TOTPSecret)
		if err != nil {
			return false, err
		}
		step := s.matchStep(secret, code)
		if step == 0 {
			return false, ErrWrongCode
		}
		// Compare-and-set: of two requests with one code, one wins.
		res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_last_step < ?", id, step).Update("totp_last_step", step)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected == 0 {
			return false, ErrWrongCode
		}
		return false, ticket.Succeeded(ctx)
	}
	if len(code) != recoveryCodeLen {
		return false, ErrWrongCode
	}
	res := s.db.WithContext(ctx).Model(&recoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", id, hashRecoveryCode(code)).
		Update("used_at", s.now())
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 0 {
		return false, ErrWrongCode
	}
	if err := s.log.Record(ctx, nil, actor, audit.ActionAdminUpdate, "admin_user", fmt.Sprint(id),
		fmt.Sprintf("Recovery code used by %q", u.Username), nil, nil); err != nil {
		return true, err
	}
	return true, ticket.Succeeded(ctx)
}

// RecoveryCodesLeft counts the unused recovery codes of user id.
func (s *Service) RecoveryCodesLeft(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&recoveryCode{}).Where("user_id = ? AND used_at IS NULL", id).Count(&n).Error
	return n, err
}

// ResetTwoFactor removes the user's two-factor secret, recovery codes and wrong-code
// count, so they enrol again at their next sign-in, and ends their sessions.
func (s *Service) ResetTwoFactor(ctx context.Context, actor audit.Actor, id int64) error {
	if err := s.codeLimiter().Forget(ctx, fmt.Sprint(id)); err != nil {
		return err
	}
	return db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := tx.Model(&u).Updates(map[string]any{"totp_secret": "", "totp_enabled_at": nil, "totp_last_step": 0,
			"session_version": gorm.Expr("session_version + 1")}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&recoveryCode{}).Error; err != nil {
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionAdminUpdate, "admin_user", fmt.Sprint(id),
			fmt.Sprintf("Two-factor sign-in reset for %q", u.Username), nil, nil)
	})
}

// ByUsername returns the user named username.
func (s *Service) ByUsername(ctx context.Context, username string) (User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("username = ?", username).First(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	return u, nil
}

type recoveryCode struct {
	ID        int64
	UserID    int64
	CodeHash  string
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (recoveryCode) TableName() string { return "admin_recovery_codes" }

// Recovery codes are 10 characters of base32 (50 bits), shown as xxxxx-xxxxx.
const recoveryCodeLen = 10

func newRecoveryCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	s := strings.ToLower(base32NoPad(b))[:recoveryCodeLen]
	return s[:5] + "-" + s[5:]
}

func base32NoPad(b []byte) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1: nothing to misread
	var out strings.Builder
	var acc uint64
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out.WriteByte(alphabet[(acc>>uint(bits))&31])
		}
	}
	return out.String()
}

func hashRecoveryCode(code string) string {
	h := sha256.Sum256([]byte("aa-recovery:" + normalizeCode(code)))
	return hex.EncodeToString(h[:])
}

// QRDataURI is the enrolment QR code as a data: URI for an <img>.
func (e Enrolment) QRDataURI() string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG)
}

func throttledFrom(err error) error {
	var te *throttle.Error
	if errors.As(err, &te) {
		return &ThrottledError{RetryAfter: te.RetryAfter}
	}
	return err
}
