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
	"audienceactivation/internal/throttle"
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

// Throttle limits. Failed sign-ins are counted per (account, address) and per address, so
// that someone guessing from one place cannot lock the real owner out everywhere: after
// MaxFailures failures within Window for one account from one address, or
// MaxAddressFailures from one address whatever the account, further tries from there are
// refused until the oldest of them leaves the window.
const (
	MaxFailures        = 5
	MaxAddressFailures = 20
	Window             = 15 * time.Minute
)

// Service manages admin users and sign-in.
type Service struct {
	dbx    *db.DB // for the throttle package
	db     *gorm.DB
	log    *audit.Log
	now    func() time.Time
	sealer Sealer
}

// NewService returns a Service on d that records changes in log.
func NewService(d *db.DB, log *audit.Log) *Service {
	return &Service{dbx: d, db: d.DB, log: log, now: func() time.Time { return time.Now().UTC() }}
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

// Authenticate checks a sign-in. Each attempt is recorded as a failure before the password
// is checked, so that concurrent attempts cannot all slip under the limit; it is removed
// again on success, with the username's earlier failures from that address. While the
// (username, address) pair has MaxFailures failures within Window, or the address
// MaxAddressFailures, the attempt is refused with *ThrottledError. Admin passwords are
// checked in hashing slots of their own (passwords.CheckAdmin), so a flood of storefront
// sign-ins cannot queue them out.
func (s *Service) Authenticate(ctx context.Context, username, password, addr string) (User, error) {
	username = validation.Clean(strings.TrimSpace(username), 255)
	now := s.now()
	attemptID, err := s.attempt(ctx, username, addr, true)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.WithContext(ctx).Where("username = ?", username).First(&u).Error
	ok := false
	switch {
	case err == nil:
		ok, err = passwords.CheckAdmin(ctx, u.PasswordHash, password)
	case errors.Is(err, gorm.ErrRecordNotFound):
		err = passwords.CheckAdminUnknown(ctx, password)
	}
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrInvalidCredentials
	}
	if !u.IsActive {
		return User{}, ErrInactive
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Where("(username = ? AND remote_addr = ?) OR id = ?", username, validation.Clean(addr, 64), attemptID).Delete(&loginFailure{}).Error; err != nil {
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
	return passwords.CheckAdmin(ctx, u.PasswordHash, password)
}

// EndSessions revokes every session of a user (sign-out: a copied cookie stops working).
func (s *Service) EndSessions(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("session_version", gorm.Expr("session_version + 1")).Error
}

// Attempt records a sign-in attempt for key (a storefront customer's account key) from
// addr as a failure, before any password is checked, and refuses it with *ThrottledError
// while key has MaxFailures failures within Window, or the address MaxAddressFailures. An
// empty addr means the client address the web layer put in ctx (throttle.WithClientAddr), so callers
// that do not know it (the GraphQL resolvers) are limited per address too. The caller
// forgets the failures on success (Forget).
func (s *Service) Attempt(ctx context.Context, key, addr string) (int64, error) {
	if addr == "" {
		addr = throttle.ClientAddr(ctx)
	}
	return s.attempt(ctx, key, addr, false)
}

// attempt records a failure of key from addr and checks the limits: per (key, addr) for
// admins (pair), per key for customers; per addr for both.
func (s *Service) attempt(ctx context.Context, key, addr string, pair bool) (int64, error) {
	key, addr = validation.Clean(key, 255), validation.Clean(addr, 64)
	now := s.now()
	attempt := loginFailure{Username: key, RemoteAddr: addr, At: now}
	if err := s.db.WithContext(ctx).Create(&attempt).Error; err != nil {
		return 0, err
	}
	since := now.Add(-Window)
	type limit struct {
		max   int
		where string
		args  []any
	}
	limits := []limit{{MaxFailures, "username = ? AND at > ?", []any{key, since}}}
	if pair {
		limits[0] = limit{MaxFailures, "username = ? AND remote_addr = ? AND at > ?", []any{key, addr, since}}
	}
	if addr != "" {
		limits = append(limits, limit{MaxAddressFailures, "remote_addr = ? AND at > ?", []any{addr, since}})
	}
	var wait time.Duration
	for _, l := range limits {
		var times []time.Time
		err := s.db.WithContext(ctx).Model(&loginFailure{}).Where(l.where, l.args...).Order("at DESC").Limit(l.max+1).Pluck("at", &times).Error
		if err != nil {
			return 0, err
		}
		// times includes the attempt being made: more than max means max earlier failures
		// already stand in the window.
		if len(times) > l.max {
			if w := times[l.max].Add(Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		// A refused try checked no password: it is not a failure, so waiting is enough.
		if err := s.db.WithContext(ctx).Delete(&loginFailure{}, attempt.ID).Error; err != nil {
			return 0, err
		}
		return 0, &ThrottledError{RetryAfter: wait}
	}
	return attempt.ID, nil
}

// Forget removes the failures of key after a successful sign-in.
func (s *Service) Forget(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("username = ?", validation.Clean(key, 255)).Delete(&loginFailure{}).Error
}

// PruneFailures deletes failure records older than the window, and other tries
// (internal/throttle) older than a day; called periodically.
func (s *Service) PruneFailures(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Where("at < ?", s.now().Add(-Window)).Delete(&loginFailure{}).Error; err != nil {
		return err
	}
	return throttle.PruneBefore(ctx, s.dbx, s.now().Add(-24*time.Hour))
}

// ClearFailures deletes the recorded failed sign-ins and wrong two-factor codes of
// username, or of everyone when username is empty, lifting throttling at once (the
// operator's "unlock").
func (s *Service) ClearFailures(ctx context.Context, username string) (int64, error) {
	q := s.db.WithContext(ctx)
	if username != "" {
		q = q.Where("username = ?", username)
	} else {
		q = q.Where("1 = 1")
	}
	res := q.Delete(&loginFailure{})
	if res.Error != nil {
		return 0, res.Error
	}
	// Wrong two-factor codes too: of this user, or of everyone (the throttle owns them).
	subject := ""
	if username != "" {
		u, err := s.ByUsername(ctx, username)
		if errors.Is(err, ErrNotFound) {
			return res.RowsAffected, nil
		} else if err != nil {
			return 0, err
		}
		subject = fmt.Sprint(u.ID)
	}
	n, err := s.codeLimiter().Clear(ctx, subject)
	return res.RowsAffected + n, err
}

// HashPassword is passwords.Hash, for callers that create users.
func HashPassword(password string) (string, error) { return passwords.Hash(password) }

// CheckPassword is passwords.Check.
func CheckPassword(encoded, password string) bool { return passwords.Check(encoded, password) }
