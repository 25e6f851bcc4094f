package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/stores"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const good = `sku,name,price,weight,categories,websites,attributes
TEE-1,Running tee,25.00,0.2,Tees|Running,base,color=blue;size=M
MUG,Coffee mug,9.5,0.4,Home,base,
`

func TestImportAllOrNothing(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := catalog.NewService(d, audit.NewLog(d))
		// The composition root wires the stores domain in the same way.
		sites := stores.NewService(d, audit.NewLog(d))
		s.WebsiteCodes = func(ctx context.Context) (map[int64]string, error) {
			ws, err := sites.Websites(ctx)
			out := map[int64]string{}
			for _, w := range ws {
				out[w.ID] = w.Code
			}
			return out, err
		}
		res, err := s.Import(ctx, audit.Actor{Username: "t"}, strings.NewReader(good))
		if err != nil || res.Created != 2 {
			t.Fatalf("%+v %v", res, err)
		}
		ps, matched, total, err := s.List(ctx, catalog.Filter{Search: "tee"})
		if err != nil || matched != 1 || total != 2 || ps[0].Price != 2500 || ps[0].Attributes["color"] != "blue" || len(ps[0].Categories) != 2 || ps[0].Websites[0] != "base" {
			t.Fatalf("list: %+v %d %d %v", ps, matched, total, err)
		}
		// Re-import updates by SKU.
		res, err = s.Import(ctx, audit.Actor{Username: "t"}, strings.NewReader(strings.Replace(good, "25.00", "20.00", 1)))
		if err != nil || res.Updated != 2 || res.Created != 0 {
			t.Fatalf("update: %+v %v", res, err)
		}
		bad := `sku,name,price,weight,categories,websites,attributes
TEE-2,Tee two,abc,0.2,Tees,base,
,No sku,5,,Tees,base,
TEE-3,Tee three,5,,Tees,nowhere,
TEE-4,Tee four,5,,Tees,base,color
TEE-1,Dup,5,,Tees,base,
TEE-1,Dup again,5,,Tees,base,
`
		_, err = s.Import(ctx, audit.Actor{Username: "t"}, strings.NewReader(bad))
		var ie *catalog.ImportError
		if !errors.As(err, &ie) || len(ie.Lines) < 5 {
			t.Fatalf("problems: %v", err)
		}
		lines := map[int]bool{}
		for _, l := range ie.Lines {
			lines[l.Line] = true
		}
		for _, want := range []int{2, 3, 4, 5, 7} {
			if !lines[want] {
				t.Errorf("line %d not reported: %v", want, ie)
			}
		}
		if _, _, total, _ := s.List(ctx, catalog.Filter{}); total != 2 {
			t.Fatalf("a failed import wrote products: %d", total)
		}
		if _, err := s.Import(ctx, audit.Actor{Username: "t"}, strings.NewReader("a,b\n1,2\n")); !errors.As(err, &ie) {
			t.Fatal("wrong header accepted")
		}
	})
}
