package checkout

import "context"

// CustomerHasOrders reports whether orders refer to a customer, so that the account is
// deactivated rather than deleted.
func (s *Service) CustomerHasOrders(ctx context.Context, customerID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM orders WHERE customer_id = ?", customerID).Scan(&n).Error
	return n > 0, err
}
