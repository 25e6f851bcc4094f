package storefront

import (
	"fmt"
	"strings"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/passwords"
	"audienceactivation/internal/storefront/model"
)

// Resolver is the root of the storefront API's resolvers.
type Resolver struct{ deps Deps }

var errNotFoundCustomer = customers.ErrNotFound

// Bounds on a request's lists and paging.
const (
	maxFilterValues = 100   // SKUs, block uids and audience ids a filter may name
	maxSearchLength = 255   // characters of a products search
	maxCartItems    = 100   // cart items one mutation may add or change
	maxPage         = 10000 // currentPage
	// maxPasswordLength is the longest password a sign-in hashes.
	maxPasswordLength = passwords.MaxLength
)

// paging reads pageSize and currentPage as Magento does: both at least 1.
func paging(pageSize, currentPage *int, maxSize int) (int, int, error) {
	size, page := 20, 1
	if pageSize != nil {
		size = *pageSize
	}
	if currentPage != nil {
		page = *currentPage
	}
	switch {
	case size < 1:
		return 0, 0, inputError("pageSize value must be greater than 0.")
	case page < 1:
		return 0, 0, inputError("currentPage value must be greater than 0.")
	case page > maxPage:
		return 0, 0, inputError(fmt.Sprintf("currentPage value must be at most %d.", maxPage))
	case size > maxSize:
		size = maxSize
	}
	return size, page, nil
}

func pageInfo(page, size, total int) *model.SearchResultPageInfo {
	pages := (total + size - 1) / size
	return &model.SearchResultPageInfo{CurrentPage: &page, PageSize: &size, TotalPages: &pages}
}

func ptr[T any](v T) *T { return &v }

// filterValues are the strings an equality filter names (eq, then in), trimmed, without
// blanks.
func filterValues(f *model.FilterEqualTypeInput) []string {
	if f == nil {
		return nil
	}
	out := []string{}
	add := func(s *string) {
		if s != nil && strings.TrimSpace(*s) != "" {
			out = append(out, strings.TrimSpace(*s))
		}
	}
	add(f.Eq)
	for _, s := range f.In {
		add(s)
	}
	return out
}
