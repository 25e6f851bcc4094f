package directory

import "testing"

func TestCountriesAndRegions(t *testing.T) {
	if n := len(Countries()); n != 250 {
		t.Fatalf("%d countries, want ISO 3166-1's 249 and Kosovo", n)
	}
	for i := 1; i < len(countries); i++ {
		if countries[i-1].Code >= countries[i].Code {
			t.Fatalf("countries out of order at %s", countries[i].Code)
		}
	}
	if c, ok := CountryByCode("us"); !ok || c.Name != "United States" || c.Code3 != "USA" {
		t.Fatalf("US: %+v %v", c, ok)
	}
	if _, ok := CountryByCode("YU"); ok {
		t.Fatal("Yugoslavia is no longer a country")
	}
	tx, ok := RegionByName("US", "tx")
	if !ok || tx.Name != "Texas" {
		t.Fatalf("Texas: %+v", tx)
	}
	if r, ok := RegionByID("US", tx.ID); !ok || r != tx {
		t.Fatalf("by id: %+v", r)
	}
	if _, ok := RegionByID("CA", tx.ID); ok {
		t.Fatal("a US region id found in Canada")
	}
	if len(Regions("DE")) != 0 || len(Regions("CA")) != 13 || len(Regions("US")) != 51 {
		t.Fatal("regions per country")
	}
}
