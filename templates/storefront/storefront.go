package storefront

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

func empty(slots []Slot) bool {
	for _, s := range slots {
		if len(s.Blocks) > 0 {
			return false
		}
	}
	return true
}
