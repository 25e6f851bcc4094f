package web_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestCatalogImportPage(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/catalog")
	wantStatus(t, p, http.StatusOK)
	bad := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Tee,abc,,Tees,base,\n"
	p = c.postMultipart("/admin/catalog/import", nil, "file", "products.csv", []byte(bad))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(`[data-testid="import-problems"]`), "Line 2: price") {
		t.Fatalf("problems %q", p.text(`[data-testid="import-problems"]`))
	}
	good := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Running tee,25.00,0.2,Tees|Running,base,color=blue\n"
	p = c.postMultipart("/admin/catalog/import", nil, "file", "products.csv", []byte(good))
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/catalog")
	if p.testid("product-row").Length() != 1 || !strings.Contains(p.testid("products-grid").Text(), "Running (") || !strings.Contains(p.text(`[data-testid="flash-success"]`), "1 product(s) created") {
		t.Fatalf("grid %q", p.testid("products-grid").Text())
	}
}
