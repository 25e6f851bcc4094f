package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/config"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
)

// Demo datastreams of the two demo websites.
const (
	demoDatastreamMain = "3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"
	demoDatastreamEU   = "7b1e2d3c-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	demoAudienceCount  = 52
)

// demo serves the admin with a seeded store: a CDP emulator on loopback with 52
// audiences activated to two websites, the credentials configured to reach it, a first
// sync done, and a demo administrator.
func demo(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	ctx := c.ctx
	secret := randomHex(16)
	emu := cdpemu.New("demo0123456789abcdef0123456789ab", "p8e-"+secret, "DEMO0123456789ABCDEF0123@AdobeOrg", "prod")
	defer emu.Close()
	ids := emu.Seed(demoAudienceCount)
	main := emu.AddDestination(demoDatastreamMain)
	emu.Activate(main, ids[:40]...)
	emu.Activate(emu.AddDestination(demoDatastreamEU), ids[30:]...)
	// What a real sandbox holds beside: an Audience Orchestration audience (its id is not a
	// UUID), an archived (deleted) one, a Custom Personalization connection on the same
	// datastream (its audiences are not the store's), a disabled dataflow.
	emu.AddAudience(cdpemu.Audience{ID: "aoc_5d2f8e1a7b3c4d9e_loyal_runners_composition", Name: "Composed: loyal runners",
		Description: "Runners who bought twice in 90 days (Audience Composition)", Origin: "AUDIENCE_ORCHESTRATION"})
	emu.AddAudience(cdpemu.Audience{ID: cdpemu.ID(900), Name: "Spring sale 2025", Origin: "REAL_TIME_CUSTOMER_PROFILE", Lifecycle: "archived"})
	emu.Activate(main, "aoc_5d2f8e1a7b3c4d9e_loyal_runners_composition", cdpemu.ID(900))
	emu.Activate(emu.AddDestinationOf(cdpemu.PersonalizationSpecID, demoDatastreamMain), ids[40:45]...)
	emu.SetFlowState(emu.AddDestination("0bad0000-0000-4000-8000-00000000d15a"), "disabled")

	who := audit.Actor{Username: "demo"}
	eu, err := a.Stores.WebsiteByCode(ctx, "eu")
	if err != nil {
		if eu, err = a.Stores.SaveWebsite(ctx, who, stores.Website{Code: "eu", Name: "EU Website"}); err != nil {
			return c.fail(err)
		}
		if _, err := a.Stores.SaveStoreView(ctx, who, stores.StoreView{WebsiteID: eu.ID, Code: "eu_en", Name: "EU English",
			Currency: "EUR", Timezone: "Europe/Paris", IsActive: true, IsDefault: true}); err != nil {
			return c.fail(err)
		}
	}
	base, err := a.Stores.WebsiteByCode(ctx, "base")
	if err != nil {
		return c.fail(err)
	}
	if _, err := a.StoreConfig.Save(ctx, who, config.Default, config.Submission{Summary: "Demo: credentials of the CDP emulator",
		Values: map[string]string{
			config.PathCDPClientID: emu.ClientID, config.PathCDPClientSecret: emu.ClientSecret, config.PathCDPOrgID: emu.OrgID,
			config.PathCDPSandbox: emu.Sandbox, config.PathCDPTechAccountID: "demo1234@techacct.adobe.com",
			config.PathCDPTechAccountEmail: "demo1234@techacct.adobe.com", config.PathCDPIMSURL: emu.URL(), config.PathCDPPlatformURL: emu.URL(),
		}}); err != nil {
		return c.fail(err)
	}
	for site, ds := range map[int64]string{base.ID: demoDatastreamMain, eu.ID: demoDatastreamEU} {
		if _, err := a.StoreConfig.Save(ctx, who, config.Website(site), config.Submission{Values: map[string]string{config.PathDatastreamID: ds}}); err != nil {
			return c.fail(err)
		}
	}
	if n, _ := a.Auth.Count(ctx); n == 0 {
		password := "demo-" + randomHex(6)
		if _, err := a.Auth.Create(ctx, who, auth.NewUser{Username: "demo", Email: "demo@example.com", Password: password}); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(c.stdout, "Demo administrator: username demo, password %s\n", password)
	} else {
		fmt.Fprintf(c.stdout, "Sign in as demo with the password printed when this demo was first started. Lost it? Set a new one:\n  ./bin/admin user reset-password --username demo --data %s\n", c.settings.DataDir)
	}
	if run, err := a.Syncer.Run(ctx, audiences.TriggerManual); err != nil {
		c.logger.Warn("first demo sync failed", "error", err)
	} else {
		fmt.Fprintf(c.stdout, "Synced %d audiences from the CDP emulator at %s.\n", run.Added+run.Updated, emu.URL())
	}
	if err := seedDemoOffers(c, a, who); err != nil {
		return c.fail(err)
	}
	if cs, n, err := a.Customers.List(ctx, "", 1, 1); err == nil && n == 0 && len(cs) == 0 {
		password := "shop-" + randomHex(6)
		if _, err := a.Customers.Save(ctx, who, 0, customers.Input{WebsiteID: base.ID, Email: "runner@example.com", Firstname: "Robin", Lastname: "Runner",
			GroupID: 1, Password: password}); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(c.stdout, "Demo storefront customer (General group): runner@example.com, password %s\n", password)
	}
	fmt.Fprintf(c.stdout, "Open http://%s/admin\n", c.settings.Addr)
	fmt.Fprintf(c.stdout, "The demo storefront is at http://%s/store (with a panel to join and leave audiences).\n", c.settings.Addr)
	return serveDemo(ctx, a, c.settings.Addr, c.stderr)
}

func (c *cli) fail(err error) int {
	fmt.Fprintln(c.stderr, "admin:", err)
	return 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// demoProducts is the demo catalog, so the storefront has something to sell.
const demoProducts = `sku,name,price,weight,categories,websites,attributes
RUN-SHOE-1,Trail running shoe,89.00,0.7,Running|Shoes,base,color=blue;size=42
RUN-TEE-1,Running tee,25.00,0.2,Running|Tees,base,color=green;size=M
RUN-SOCK-3,Running socks (3 pairs),12.00,0.1,Running,base,
HOME-MUG,Coffee mug,9.50,0.4,Home,base,color=white
CAP-1,Trail cap,18.00,0.1,Running|Hats,base,
`

// seedDemoOffers adds, once, the demo catalog, a buy-2-get-1 rule and a hero block for demo audiences, and
// the home.hero placement that shows the block.
func seedDemoOffers(c *cli, a *wiring.App, who audit.Actor) error {
	ctx := c.ctx
	if _, total, _, err := a.Catalog.List(ctx, catalog.Filter{PerPage: 1}); err != nil {
		return err
	} else if total == 0 {
		if _, err := a.Catalog.Import(ctx, who, strings.NewReader(demoProducts)); err != nil {
			return err
		}
	}
	if rules, _, err := a.PriceRules.All(ctx); err != nil || len(rules) > 0 {
		return err
	}
	local, err := a.Audiences.LocalIDs(ctx, []string{cdpemu.ID(1), cdpemu.ID(7)}) // "Abandoned cart", "Runners"
	if err != nil || len(local) < 2 {
		return err
	}
	runners, abandoned := local[cdpemu.ID(7)], local[cdpemu.ID(1)]
	base, err := a.Stores.WebsiteByCode(ctx, "base")
	if err != nil {
		return err
	}
	rule, err := a.PriceRules.Save(ctx, who, pricerules.Rule{Name: "Runners: buy 2 get 1 free", Active: true, WebsiteIDs: []int64{base.ID},
		CustomerGroupIDs: []int64{0, 1, 2, 3}, CouponType: pricerules.CouponNone, Action: pricerules.BuyXGetY, Amount: 1, Step: 2,
		FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "Buy 2, get 1 free",
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{fmt.Sprint(runners)}}),
		ActionConditions: pricerules.All()})
	if err != nil {
		return err
	}
	block, _, err := a.Blocks.SaveBlock(ctx, who, dynamicblocks.Block{Name: "Come back: your cart is waiting", Enabled: true, Type: dynamicblocks.TypeContent,
		AudienceIDs: []int64{abandoned},
		Content:     `<h2>Still thinking it over?</h2><p>Your cart is waiting. <a href="/store/cart">Finish your order</a> today.</p>`})
	if err != nil {
		return err
	}
	if _, err = a.Blocks.SavePlacement(ctx, who, dynamicblocks.Placement{Title: "Home page hero", Location: "home.hero",
		Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: block.ID}}}); err != nil {
		return err
	}
	// On the cart page, a banner that shows once the Runners rule applies to the cart.
	_, _, err = a.Blocks.SaveBlock(ctx, who, dynamicblocks.Block{Name: "Runners: the third one is on us", Enabled: true, Type: dynamicblocks.TypeContent,
		RuleIDs: []int64{rule.ID}, Content: `<p><strong>Runner's deal:</strong> the third item is on us — it is already taken off your total.</p>`})
	if err != nil {
		return err
	}
	_, err = a.Blocks.SavePlacement(ctx, who, dynamicblocks.Placement{Title: "Cart offers", Location: "cart.top",
		Display: dynamicblocks.DisplayRuleRelated, Rotation: dynamicblocks.RotateAll})
	return err
}
