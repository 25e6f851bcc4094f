package cdpemu

import (
	"fmt"
	"time"
)

// DemoAudiences are realistic audiences for the demo and the browser tests.
var DemoAudiences = []string{
	"Abandoned cart", "Frequent buyers", "High lifetime value", "New subscribers", "Lapsed customers",
	"Outdoor enthusiasts", "Runners", "Yoga lovers", "Big spenders — last 30 days", "First-time visitors",
	"Loyalty gold tier", "Loyalty silver tier", "Newsletter openers", "Mobile app users", "Discount seekers",
	"Gift buyers", "Back-to-school shoppers", "Holiday shoppers", "Weekend browsers", "Cart over $200",
	"Returned an item", "Reviewers", "Wishlist savers", "Store pickup customers", "Eco-conscious shoppers",
	"Women's apparel", "Men's apparel", "Kids & baby", "Home & kitchen", "Electronics fans",
	"Premium members", "Trial members", "Churn risk", "Win-back targets", "VIP",
	"Birthday this month", "West coast", "East coast", "Europe", "Asia Pacific",
	"Price-sensitive", "Brand loyal", "Cross-sell: accessories", "Upsell: premium line", "Early adopters",
	"Clearance hunters", "Subscription box", "B2B buyers", "Wholesale prospects", "Students",
	"Seniors", "Lookalike: top customers",
}

// ID returns a stable UUID-shaped audience id for the n-th seeded audience.
func ID(n int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x5eed0000+n, n%0x10000, n%0x1000, (n*7)%0x1000, n)
}

// Origins cycles through the origins real sandboxes show.
var Origins = []string{"REAL_TIME_CUSTOMER_PROFILE", "REAL_TIME_CUSTOMER_PROFILE", "CUSTOM_UPLOAD", "AUDIENCE_ORCHESTRATION", "CUSTOMER_JOURNEY_ANALYTICS"}

// Seed adds n audiences named after DemoAudiences (numbered when n is larger), modified a
// day apart going back from now.
func (e *Emulator) Seed(n int) []string {
	ids := make([]string, n)
	now := time.Now().UTC().Truncate(time.Second)
	for i := 0; i < n; i++ {
		name := DemoAudiences[i%len(DemoAudiences)]
		if i >= len(DemoAudiences) {
			name = fmt.Sprintf("%s %d", name, i/len(DemoAudiences)+1)
		}
		ids[i] = ID(i + 1)
		e.AddAudience(Audience{ID: ids[i], Name: name, Description: "Shoppers matching: " + name,
			Origin: Origins[i%len(Origins)], UpdatedAt: now.Add(-time.Duration(i) * time.Hour * 7)})
	}
	return ids
}
