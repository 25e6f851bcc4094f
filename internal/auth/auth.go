// Package auth owns the admin users: their accounts and password hashes, sign-in with
// throttling, and the check that a session still belongs to an active user.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Sentinel errors.
var (
	ErrInvalidCredentials = errors.New("auth: wrong username or password")
	ErrNotFound           = errors.New("auth: admin user not found")
	ErrSelfDeactivate     = errors.New("auth: you cannot deactivate your own account")
)

// ThrottledError means sign-in is refused for a while after too many failures.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins; retry in %s", e.RetryAfter.Round(time.Second))
}

// Minutes is the wait rounded up to whole minutes, for messages.
func (e *ThrottledError) Minutes() int {
	m := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	if m < 1 {
		m = 1
	}
	return m
}

// RoleAdministrator has access to every admin area. It is the only role so far; the column
// exists so that narrower roles can be added without a migration.
const RoleAdministrator = "administrator"

// User is an admin user.
type User struct {
	ID             int64
	Username       string
	Email          string
	PasswordHash   string
	Role           string
	IsActive       bool
	SessionVersion int
	LastLoginAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName maps User to its table.
func (User) TableName() string { return "admin_users" }

type loginFailure struct {
	ID         int64
	Username   string
	RemoteAddr string
	At         time.Time
}

func (loginFailure) TableName() string { return "login_failures" }

// Throttle limits: after MaxFailures failed sign-ins within Window for one username or one
// address, further tries are refused until the oldest of them leaves the window.
const (
	MaxFailures = 5
	Window      = 15 * time.Minute
)

// Service manages admin users and sign-in.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns a Service on d.
func NewService(d *db.DB) *Service {
	return &Service{db: d.DB, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock, for tests of throttling windows.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// NewUser is the input to Create.
type NewUser struct {
	Username string
	Email    string
	Password string
}

// Changes is the input to Update; an empty Password keeps the current one.
type Changes struct {
	Email    string
	IsActive bool
	Password string
}

var usernameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

func validatePassword(ve validation.Errors, field, pw string) {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		ve.Add(field, fmt.Sprintf("Use at least %d characters.", MinPasswordLen))
	case len(pw) > 256:
		ve.Add(field, "Use at most 256 characters.")
	case !strings.ContainsAny(pw, "0123456789") || strings.IndexFunc(pw, func(r rune) bool { return r < '0' || r > '9' }) < 0:
		ve.Add(field, "Use both letters and digits.")
	}
}

func validateEmail(ve validation.Errors, email string) string {
	email = strings.TrimSpace(email)
	if !utf8.ValidString(email) {
		ve.Add("email", "The email address contains characters that are not valid text; retype it.")
		return email
	}
	if email == "" {
		ve.Add("email", "Enter an email address.")
		return email
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 255 {
		ve.Add("email", "Enter a valid email address, such as jane@example.com.")
	}
	return email
}

// ValidateNewUser checks the input to Create and returns the problems by field.
func ValidateNewUser(in NewUser) validation.Errors {
	ve := validation.Errors{}
	if !usernameRe.MatchString(strings.TrimSpace(in.Username)) {
		ve.Add("username", "Use 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.")
	}
	validateEmail(ve, in.Email)
	validatePassword(ve, "password", in.Password)
	return ve
}

// Create adds an active administrator after validating the input.
func (s *Service) Create(ctx context.Context, in NewUser) (User, error) {
	if err := ValidateNewUser(in).Err(); err != nil {
		return User{}, err
	}
	in.Username, in.Email = strings.TrimSpace(in.Username), strings.TrimSpace(in.Email)
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Username: in.Username, Email: in.Email, PasswordHash: hash, Role: RoleAdministrator, IsActive: true, SessionVersion: 1}
	if err := s.db.WithContext(ctx).Create(&u).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return User{}, s.duplicateError(ctx, u)
		}
		return User{}, err
	}
	return u, nil
}

func (s *Service) duplicateError(ctx context.Context, u User) error {
	ve := validation.Errors{}
	var n int64
	s.db.WithContext(ctx).Model(&User{}).Where("username = ? AND id <> ?", u.Username, u.ID).Count(&n)
	if n > 0 {
		ve.Add("username", "This username is taken.")
	}
	s.db.WithContext(ctx).Model(&User{}).Where("email = ? AND id <> ?", u.Email, u.ID).Count(&n)
	if n > 0 {
		ve.Add("email", "Another admin user has this email address.")
	}
	if len(ve) == 0 {
		ve.Add("username", "This username or email is taken.")
	}
	return ve
}

// Update changes a user's email, active flag and optionally password. Deactivating or
// changing the password ends the user's other sessions. actorID may not deactivate itself.
func (s *Service) Update(ctx context.Context, actorID, id int64, in Changes) (before, after User, err error) {
	ve := validation.Errors{}
	in.Email = validateEmail(ve, in.Email)
	if in.Password != "" {
		validatePassword(ve, "password", in.Password)
	}
	if err := ve.Err(); err != nil {
		return User{}, User{}, err
	}
	if actorID == id && !in.IsActive {
		return User{}, User{}, ErrSelfDeactivate
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.First(&before, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		after = before
		after.Email = in.Email
		after.IsActive = in.IsActive
		if in.Password != "" {
			h, err := HashPassword(in.Password)
			if err != nil {
				return err
			}
			after.PasswordHash = h
		}
		if in.Password != "" || (before.IsActive && !in.IsActive) {
			after.SessionVersion++
		}
		if err := tx.Save(&after).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return s.duplicateError(ctx, after)
			}
			return err
		}
		return nil
	})
	return before, after, err
}

// Get returns the user with id.
func (s *Service) Get(ctx context.Context, id int64) (User, error) {
	var u User
	if err := s.db.WithContext(ctx).First(&u, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return User{}, ErrNotFound
		}
		return User{}, err
	}
	return u, nil
}

// List returns all admin users by username.
func (s *Service) List(ctx context.Context) ([]User, error) {
	var us []User
	err := s.db.WithContext(ctx).Order("username").Find(&us).Error
	return us, err
}

// Count returns how many admin users exist; zero means first run.
func (s *Service) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// Session returns the user a session belongs to, or ErrNotFound when the user no longer
// exists, is inactive, or has changed password since the session began.
func (s *Service) Session(ctx context.Context, id int64, version int) (User, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !u.IsActive || u.SessionVersion != version {
		return User{}, ErrNotFound
	}
	return u, nil
}

// Authenticate checks a sign-in. It refuses with *ThrottledError while the username or the
// address has MaxFailures failures within Window, records each failure, and clears the
// username's failures on success.
func (s *Service) Authenticate(ctx context.Context, username, password, addr string) (User, error) {
	// The name is stored with each failure: keep it valid text and bounded.
	username = strings.ToValidUTF8(strings.TrimSpace(username), "\uFFFD")
	if len(username) > 255 {
		username = strings.ToValidUTF8(username[:255], "")
	}
	now := s.now()
	if wait, err := s.throttled(ctx, username, addr, now); err != nil {
		return User{}, err
	} else if wait > 0 {
		return User{}, &ThrottledError{RetryAfter: wait}
	}
	var u User
	err := s.db.WithContext(ctx).Where("username = ?", username).First(&u).Error
	ok := false
	switch {
	case err == nil:
		ok = CheckPassword(u.PasswordHash, password) && u.IsActive
	case errors.Is(err, gorm.ErrRecordNotFound):
		CheckPassword(dummyHash, password)
	default:
		return User{}, err
	}
	if !ok {
		if err := s.db.WithContext(ctx).Create(&loginFailure{Username: username, RemoteAddr: addr, At: now}).Error; err != nil {
			return User{}, err
		}
		return User{}, ErrInvalidCredentials
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Where("username = ?", username).Delete(&loginFailure{}).Error; err != nil {
			return err
		}
		u.LastLoginAt = &now
		return tx.Model(&u).Update("last_login_at", now).Error
	})
	return u, err
}

// throttled returns how long sign-in stays refused for username or addr (zero: allowed).
func (s *Service) throttled(ctx context.Context, username, addr string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	for _, q := range []struct{ col, val string }{{"username", username}, {"remote_addr", addr}} {
		var times []time.Time
		err := s.db.WithContext(ctx).Model(&loginFailure{}).Where(q.col+" = ? AND at > ?", q.val, now.Add(-Window)).
			Order("at DESC").Limit(MaxFailures).Pluck("at", &times).Error
		if err != nil {
			return 0, err
		}
		if len(times) >= MaxFailures {
			if w := times[MaxFailures-1].Add(Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait, nil
}

// PruneFailures deletes failure records older than the window; called periodically.
func (s *Service) PruneFailures(ctx context.Context) error {
	return s.db.WithContext(ctx).Where("at < ?", s.now().Add(-Window)).Delete(&loginFailure{}).Error
}
