package checkout

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"audienceactivation/internal/validation"
)

// OrderAudience is a Real-Time CDP audience the shopper was in when the order was placed,
// as it was named then.
type OrderAudience struct {
	CDPID string `gorm:"column:cdp_id"`
	Name  string
}

// recordAudiences writes the shopper's audiences with the order (in the order's
// transaction): names and CDP ids come from the audiences domain through Sources.
func (s *Service) recordAudiences(ctx context.Context, tx *gorm.DB, orderID int64, local []int64) error {
	if len(local) == 0 || s.src.Audiences == nil {
		return nil
	}
	as, err := s.src.Audiences(ctx, local)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range as {
		if a.CDPID == "" || seen[a.CDPID] {
			continue
		}
		seen[a.CDPID] = true
		if err := tx.Exec("INSERT INTO order_audiences (order_id, cdp_id, name) VALUES (?, ?, ?)", orderID, a.CDPID, validation.Clean(a.Name, 255)).Error; err != nil {
			return err
		}
	}
	return nil
}

// orderAudiences returns each order's audiences, by name.
func (s *Service) orderAudiences(ctx context.Context, ids []int64) (map[int64][]OrderAudience, error) {
	out := map[int64][]OrderAudience{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		OrderID int64
		CDPID   string `gorm:"column:cdp_id"`
		Name    string
	}
	for chunk := range slices.Chunk(ids, 500) {
		if err := s.db.WithContext(ctx).Raw("SELECT order_id, cdp_id, name FROM order_audiences WHERE order_id IN ? ORDER BY name, cdp_id", chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.OrderID] = append(out[r.OrderID], OrderAudience{CDPID: r.CDPID, Name: r.Name})
		}
	}
	return out, nil
}

// OrderAudienceNames are the audiences orders carry, by CDP id, for the orders grid's
// filter: each with the name it had on its latest order.
func (s *Service) OrderAudienceNames(ctx context.Context) ([]OrderAudience, error) {
	var rows []OrderAudience
	err := s.db.WithContext(ctx).Raw(`SELECT a.cdp_id, a.name FROM order_audiences a
		WHERE a.order_id = (SELECT MAX(b.order_id) FROM order_audiences b WHERE b.cdp_id = a.cdp_id) ORDER BY a.name`).Scan(&rows).Error
	return rows, err
}
