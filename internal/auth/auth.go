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
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/passwords"
	"audienceactivation/internal/validation"
)

// Sentinel errors.
var (
	ErrInvalidCredentials = errors.New("auth: wrong username or password")
	ErrNotFound           = errors.New("auth: admin user not found")
	ErrSelfDeactivate     = errors.New("auth: you cannot deactivate your own account")
	// ErrSelfRole refuses a change of one's own role, so that nobody locks themself out of
	// the admin users page by accident.
	ErrSelfRole = errors.New("auth: you cannot change your own role")
	// ErrLastAdministrator refuses to demote or deactivate the last active administrator.
	ErrLastAdministrator = errors.New("auth: at least one active administrator must remain")
	// ErrInactive wraps ErrInvalidCredentials for a right password on an inactive account:
	// the person sees the same message, the action log tells the two apart.
	ErrInactive = fmt.Errorf("%w: the account is inactive", ErrInvalidCredentials)
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

// User is an admin user.
type User struct {
	ID             int64
	Username       string
	Email          string
	PasswordHash   string
	Role           string
	IsActive       bool
	SessionVersion int
	// TOTPSecret is the sealed two-factor secret; empty until enrolment.
	TOTPSecret string `gorm:"column:totp_secret"`
	// TOTPEnabledAt is when enrolment finished; nil means the user has not enrolled.
	TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
	// TOTPLastStep is the time step of the last accepted code, which is never accepted again.
	TOTPLastStep int64 `gorm:"column:totp_last_step"`
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
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
	db     *gorm.DB
	log    *audit.Log
	now    func() time.Time
	sealer Sealer
}

// NewService returns a Service on d that records changes in log.
func NewService(d *db.DB, log *audit.Log) *Service {
	return &Service{db: d.DB, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// SetClock replaces the clock, for tests of throttling windows.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// NewUser is the input to Create; an empty Role means RoleAdministrator.
type NewUser struct {
	Username string
	Email    string
	Password string
	Role     string
}

// Changes is the input to Update; an empty Password keeps the current one, an empty Role
// the current role.
type Changes struct {
	Email    string
	IsActive bool
	Password string
	Role     string
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
	case !strings.ContainsAny(pw, "0123456789") || strings.IndexFunc(pw, unicode.IsLetter) < 0:
		ve.Add(field, "Use both letters and digits.")
	}
}

func validateEmail(ve validation.Errors, email string) string {
	email = strings.TrimSpace(email)
	if !validation.IsText(email, false) {
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
	if in.Role != "" && !ValidRole(in.Role) {
		ve.Add("role", "Choose one of the roles offered.")
	}
	return ve
}

// Create adds an active administrator after validating the input, and logs it.
func (s *Service) Create(ctx context.Context, actor audit.Actor, in NewUser) (User, error) {
	if err := ValidateNewUser(in).Err(); err != nil {
		return User{}, err
	}
	in.Username, in.Email = strings.TrimSpace(in.Username), strings.TrimSpace(in.Email)
	hash, err := passwords.Hash(in.Password)
	if err != nil {
		return User{}, err
	}
	if in.Role == "" {
		in.Role = RoleAdministrator
	}
	u := User{Username: in.Username, Email: in.Email, PasswordHash: hash, Role: in.Role, IsActive: true, SessionVersion: 1}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionAdminCreate, "admin_user", fmt.Sprint(u.ID),
			fmt.Sprintf("Admin user %q created", u.Username), nil, auditView(u, false))
	})
	if err != nil {
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
func (s *Service) Update(ctx context.Context, actor audit.Actor, actorID, id int64, in Changes) (before, after User, err error) {
	ve := validation.Errors{}
	in.Email = validateEmail(ve, in.Email)
	if in.Password != "" {
		validatePassword(ve, "password", in.Password)
	}
	if in.Role != "" && !ValidRole(in.Role) {
		ve.Add("role", "Choose one of the roles offered.")
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
		if in.Role != "" {
			after.Role = in.Role
		}
		if actorID == id && after.Role != before.Role {
			return ErrSelfRole
		}
		if before.Role == RoleAdministrator && before.IsActive && (after.Role != RoleAdministrator || !after.IsActive) {
			var n int64
			if err := tx.Model(&User{}).Where("role = ? AND is_active AND id <> ?", RoleAdministrator, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrLastAdministrator
			}
		}
		if in.Password != "" {
			h, err := passwords.Hash(in.Password)
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
		return s.log.Record(ctx, tx, actor, audit.ActionAdminUpdate, "admin_user", fmt.Sprint(id),
			fmt.Sprintf("Admin user %q changed", after.Username), auditView(before, false), auditView(after, in.Password != ""))
	})
	return before, after, err
}

// auditView is what the action log keeps of a user: never the hash.
func auditView(u User, passwordChanged bool) map[string]string {
	m := map[string]string{"username": u.Username, "email": u.Email, "role": u.Role, "active": fmt.Sprint(u.IsActive)}
	if passwordChanged {
		m["password"] = "(changed)"
	}
	return m
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
	if !u.IsActive || u.SessionVersion != version || !ValidRole(u.Role) {
		return User{}, ErrNotFound
	}
	return u, nil
}

// hashing bounds concurrent password checks: each argon2id run takes 19 MiB, and a burst of
// sign-in attempts must not exhaust memory.
var hashing = make(chan struct{}, 4)

// Authenticate checks a sign-in. Each attempt is recorded as a failure before the password
// is checked, so that concurrent attempts cannot all slip under the limit; it is removed
// again on success, with the username's earlier failures. While the username or the
// address has more than MaxFailures failures within Window the attempt is refused with
// *ThrottledError.
func (s *Service) Authenticate(ctx context.Context, username, password, addr string) (User, error) {
	username = validation.Clean(strings.TrimSpace(username), 255)
	now := s.now()
	attemptID, err := s.Attempt(ctx, username, addr)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.WithContext(ctx).Where("username = ?", username).First(&u).Error
	ok := false
	select {
	case hashing <- struct{}{}:
	case <-ctx.Done():
		return User{}, ctx.Err()
	}
	switch {
	case err == nil:
		ok = passwords.Check(u.PasswordHash, password)
	case errors.Is(err, gorm.ErrRecordNotFound):
		passwords.CheckUnknown(password)
	}
	<-hashing
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, err
	}
	if !ok {
		return User{}, ErrInvalidCredentials
	}
	if !u.IsActive {
		return User{}, ErrInactive
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Where("username = ? OR id = ?", username, attemptID).Delete(&loginFailure{}).Error; err != nil {
			return err
		}
		u.LastLoginAt = &now
		return tx.Model(&u).Update("last_login_at", now).Error
	})
	return u, err
}

// VerifyPassword reports whether password is the current password of user id; admins
// confirm changes to other accounts with it.
func (s *Service) VerifyPassword(ctx context.Context, id int64, password string) (bool, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return false, err
	}
	select {
	case hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-hashing }()
	return passwords.Check(u.PasswordHash, password), nil
}

// EndSessions revokes every session of a user (sign-out: a copied cookie stops working).
func (s *Service) EndSessions(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("session_version", gorm.Expr("session_version + 1")).Error
}

// Attempt records a sign-in attempt for key (a username, or another account's key) from
// addr as a failure, before any password is checked, and refuses it with *ThrottledError
// while key or addr has more than MaxFailures failures within Window. An empty addr
// throttles by key alone (storefront customers, who may all come through one server
// address). The caller forgets the failures on success (Forget).
func (s *Service) Attempt(ctx context.Context, key, addr string) (int64, error) {
	key, addr = validation.Clean(key, 255), validation.Clean(addr, 64)
	now := s.now()
	attempt := loginFailure{Username: key, RemoteAddr: addr, At: now}
	if err := s.db.WithContext(ctx).Create(&attempt).Error; err != nil {
		return 0, err
	}
	if wait, err := s.throttled(ctx, key, addr, now); err != nil {
		return 0, err
	} else if wait > 0 {
		return 0, &ThrottledError{RetryAfter: wait}
	}
	return attempt.ID, nil
}

// Forget removes the failures of key after a successful sign-in.
func (s *Service) Forget(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("username = ?", validation.Clean(key, 255)).Delete(&loginFailure{}).Error
}

// throttled returns how long sign-in stays refused for username or addr (zero: allowed).
func (s *Service) throttled(ctx context.Context, username, addr string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	for _, q := range []struct{ col, val string }{{"username", username}, {"remote_addr", addr}} {
		if q.val == "" {
			continue
		}
		var times []time.Time
		err := s.db.WithContext(ctx).Model(&loginFailure{}).Where(q.col+" = ? AND at > ?", q.val, now.Add(-Window)).
			Order("at DESC").Limit(MaxFailures+1).Pluck("at", &times).Error
		if err != nil {
			return 0, err
		}
		// times includes the attempt being made: more than MaxFailures means MaxFailures
		// earlier failures already stand in the window.
		if len(times) > MaxFailures {
			if w := times[MaxFailures].Add(Window).Sub(now); w > wait {
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

// ClearFailures deletes the recorded failed sign-ins of username, or of everyone when
// username is empty, lifting throttling at once (the operator's "unlock").
func (s *Service) ClearFailures(ctx context.Context, username string) (int64, error) {
	q := s.db.WithContext(ctx)
	if username != "" {
		q = q.Where("username = ?", username)
	} else {
		q = q.Where("1 = 1")
	}
	res := q.Delete(&loginFailure{})
	return res.RowsAffected, res.Error
}

// HashPassword is passwords.Hash, for callers that create users.
func HashPassword(password string) (string, error) { return passwords.Hash(password) }

// CheckPassword is passwords.Check.
func CheckPassword(encoded, password string) bool { return passwords.Check(encoded, password) }
