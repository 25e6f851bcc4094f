// Package customers owns storefront customers: their accounts, customer group and website,
// so that customer groups and "uses per customer" mean something.
package customers

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
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

// ErrNotFound means no customer has the id.
var ErrNotFound = errors.New("customers: not found")

// Customer is a storefront customer.
type Customer struct {
	ID           int64
	WebsiteID    int64
	Email        string
	Firstname    string
	Lastname     string
	GroupID      int64
	PasswordHash string
	// IsActive is false for a deactivated account (a customer with orders is deactivated
	// rather than deleted): it cannot sign in, and its tokens stop working.
	IsActive  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps Customer to its table.
func (Customer) TableName() string { return "customers" }

// Service manages customers.
type Service struct {
	db  *gorm.DB
	log *audit.Log
}

// NewService returns a Service on d.
func NewService(d *db.DB, log *audit.Log) *Service { return &Service{db: d.DB, log: log} }

// Input is a customer as the admin form gives it; an empty Password keeps the current one.
type Input struct {
	WebsiteID           int64
	Email               string
	Firstname, Lastname string
	GroupID             int64
	Password            string
	Inactive            bool // deactivate the account (the zero value keeps it active)
}

func validate(in *Input, isNew bool) validation.Errors {
	ve := validation.Errors{}
	in.Email = strings.TrimSpace(in.Email)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 255 || !validation.IsText(in.Email, false) {
		ve.Add("email", "Enter an email address, such as jane@example.com.")
	}
	for field, v := range map[string]*string{"firstname": &in.Firstname, "lastname": &in.Lastname} {
		*v = strings.TrimSpace(*v)
		if *v == "" || len(*v) > 255 || !validation.IsText(*v, false) {
			ve.Add(field, "Enter a name of at most 255 characters.")
		}
	}
	if in.GroupID < 1 || in.GroupID > 1000 {
		ve.Add("group_id", "Choose a customer group (NOT LOGGED IN is for guests).")
	}
	if isNew || in.Password != "" {
		if utf8.RuneCountInString(in.Password) < 8 || len(in.Password) > 256 || !strings.ContainsAny(in.Password, "0123456789") || strings.IndexFunc(in.Password, unicode.IsLetter) < 0 {
			ve.Add("password", "Use at least 8 characters with letters and digits.")
		}
	}
	return ve
}

// Save creates (id 0) or updates a customer, in one transaction with its log entry.
func (s *Service) Save(ctx context.Context, actor audit.Actor, id int64, in Input) (Customer, error) {
	if ve := validate(&in, id == 0); len(ve) > 0 {
		return Customer{}, ve
	}
	var c Customer
	err := db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		if id != 0 {
			if err := tx.First(&c, id).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return ErrNotFound
				}
				return err
			}
		} else {
			c.CreatedAt = time.Now().UTC()
		}
		wasActive := c.IsActive || id == 0
		c.WebsiteID, c.Email, c.Firstname, c.Lastname, c.GroupID = in.WebsiteID, in.Email, in.Firstname, in.Lastname, in.GroupID
		c.IsActive = !in.Inactive
		c.UpdatedAt = time.Now().UTC()
		if in.Password != "" {
			h, err := passwords.Hash(in.Password)
			if err != nil {
				return err
			}
			c.PasswordHash = h
		}
		if err := tx.Save(&c).Error; err != nil {
			switch {
			case db.IsUniqueViolation(err):
				return validation.Errors{"email": "A customer of this website has this email address."}
			case strings.Contains(strings.ToLower(err.Error()), "foreign key"):
				return validation.Errors{"group_id": "Choose a website and customer group that exist."}
			}
			return err
		}
		// A new password, or a deactivation, ends the customer's API sessions.
		if id != 0 && (in.Password != "" || (wasActive && !c.IsActive)) {
			if err := tx.Exec("DELETE FROM customer_tokens WHERE customer_id = ?", c.ID).Error; err != nil {
				return err
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionCustomerSave, "customer", fmt.Sprint(c.ID), fmt.Sprintf("Customer %s saved", c.Email), nil,
			map[string]string{"email": c.Email, "name": c.Firstname + " " + c.Lastname, "group": fmt.Sprint(c.GroupID), "website": fmt.Sprint(c.WebsiteID)})
	})
	return c, err
}

// Get returns one customer.
func (s *Service) Get(ctx context.Context, id int64) (Customer, error) {
	var c Customer
	if err := s.db.WithContext(ctx).First(&c, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return c, ErrNotFound
		}
		return c, err
	}
	return c, nil
}

// List returns a page of customers by email, with the number matching.
func (s *Service) List(ctx context.Context, search string, page, perPage int) ([]Customer, int64, error) {
	q := s.db.WithContext(ctx).Model(&Customer{})
	if search = strings.ToLower(strings.TrimSpace(search)); search != "" {
		like := "%" + db.EscapeLike(search) + "%"
		q = q.Where(`LOWER(email) LIKE ? ESCAPE '\' OR LOWER(firstname) LIKE ? ESCAPE '\' OR LOWER(lastname) LIKE ? ESCAPE '\'`, like, like, like)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return nil, 0, err
	}
	if page < 1 {
		page = 1
	}
	var cs []Customer
	err := q.Order("email, id").Offset((page - 1) * perPage).Limit(perPage).Find(&cs).Error
	return cs, n, err
}

// Authenticate checks a customer's email and password on a website.
func (s *Service) Authenticate(ctx context.Context, websiteID int64, email, password string) (Customer, error) {
	var c Customer
	err := s.db.WithContext(ctx).Where("website_id = ? AND LOWER(email) = ?", websiteID, strings.ToLower(strings.TrimSpace(email))).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		passwords.CheckUnknown(password)
		return Customer{}, ErrNotFound
	} else if err != nil {
		return Customer{}, err
	}
	if !passwords.Check(c.PasswordHash, password) || !c.IsActive {
		return Customer{}, ErrNotFound
	}
	return c, nil
}

// Delete deletes a customer, or, when hasOrders says orders refer to the account (orders
// are checkout's), deactivates it instead and reports so: the orders keep their customer.
// Either way the customer's API sessions end.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id int64, hasOrders bool) (deactivated bool, err error) {
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		var c Customer
		if err := tx.First(&c, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := tx.Exec("DELETE FROM customer_tokens WHERE customer_id = ?", id).Error; err != nil {
			return err
		}
		summary := fmt.Sprintf("Customer %s deleted", c.Email)
		if hasOrders {
			deactivated = true
			summary = fmt.Sprintf("Customer %s deactivated (kept for their orders)", c.Email)
			if err := tx.Model(&Customer{}).Where("id = ?", id).Updates(map[string]any{"is_active": false, "updated_at": time.Now().UTC()}).Error; err != nil {
				return err
			}
		} else if err := tx.Delete(&Customer{}, id).Error; err != nil {
			return err
		}
		return s.log.Record(ctx, tx, actor, audit.ActionCustomerDelete, "customer", fmt.Sprint(id), summary,
			map[string]string{"email": c.Email, "name": c.Firstname + " " + c.Lastname}, nil)
	})
	return deactivated, err
}
