// Package catalog owns the minimal catalog the rules and carts need: products (SKU, name,
// price, weight, categories, websites, attributes) and categories, with an all-or-nothing
// CSV import.
package catalog

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/money"
	"audienceactivation/internal/validation"
)

// Product is a catalog product. Price is in minor units.
type Product struct {
	ID         int64
	SKU        string
	Name       string
	Price      int64
	Weight     float64
	Categories []string
	Websites   []string // website codes
	WebsiteIDs []int64
	Attributes map[string]string
	CategoryID []int64
}

// Service reads and imports the catalog.
type Service struct {
	db  *gorm.DB
	log *audit.Log
	// OnChange is called after an import, so the storefront's copy is rebuilt.
	OnChange func()
	// WebsiteCodes names the websites by id with their codes (the stores domain owns
	// them): the import file and the product lists speak in codes.
	WebsiteCodes func(ctx context.Context) (map[int64]string, error)
}

// websiteCodes asks the stores domain for the website codes.
func (s *Service) websiteCodes(ctx context.Context) (map[int64]string, error) {
	if s.WebsiteCodes == nil {
		return nil, errors.New("catalog: no website source wired (Service.WebsiteCodes)")
	}
	return s.WebsiteCodes(ctx)
}

// NewService returns a Service on d.
func NewService(d *db.DB, log *audit.Log) *Service { return &Service{db: d.DB, log: log} }

// CSVHeader is the import file's header, in order.
var CSVHeader = []string{"sku", "name", "price", "weight", "categories", "websites", "attributes"}

// LineError is a problem of one line of an import file.
type LineError struct {
	Line    int
	Message string
}

// ImportError lists every problem of a file; nothing was imported.
type ImportError struct{ Lines []LineError }

func (e *ImportError) Error() string {
	parts := make([]string, len(e.Lines))
	for i, l := range e.Lines {
		if l.Line > 0 {
			parts[i] = fmt.Sprintf("line %d: %s", l.Line, l.Message)
		} else {
			parts[i] = l.Message
		}
	}
	return "nothing was imported: " + strings.Join(parts, "; ")
}

// ImportResult says what an import did.
type ImportResult struct{ Created, Updated int }

var skuRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)
var attrCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// MaxImportLines bounds an import.
const MaxImportLines = 100000

// Import reads a CSV file (CSVHeader columns; categories and websites separated by "|",
// attributes as code=value pairs separated by ";") and creates or updates its products by
// SKU. Every line is checked first; any problem means nothing is written.
func (s *Service) Import(ctx context.Context, actor audit.Actor, r io.Reader) (ImportResult, error) {
	var res ImportResult
	sites := map[string]int64{}
	codes, err := s.websiteCodes(ctx)
	if err != nil {
		return res, err
	}
	for id, code := range codes {
		sites[code] = id
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return res, &ImportError{[]LineError{{0, "the file is empty or not CSV"}}}
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	if strings.Join(header, ",") != strings.Join(CSVHeader, ",") {
		return res, &ImportError{[]LineError{{1, "the header must be: " + strings.Join(CSVHeader, ",")}}}
	}
	var products []Product
	var problems []LineError
	seen := map[string]int{}
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, LineError{line, "not valid CSV: " + err.Error()})
			break
		}
		if line > MaxImportLines+1 {
			problems = append(problems, LineError{line, fmt.Sprintf("a file may have at most %d products", MaxImportLines)})
			break
		}
		if len(rec) != len(CSVHeader) {
			problems = append(problems, LineError{line, fmt.Sprintf("expected %d columns, found %d", len(CSVHeader), len(rec))})
			continue
		}
		p, msgs := parseLine(rec, sites)
		if prev, dup := seen[strings.ToLower(p.SKU)]; dup && p.SKU != "" {
			msgs = append(msgs, fmt.Sprintf("SKU %q is also on line %d", p.SKU, prev))
		}
		seen[strings.ToLower(p.SKU)] = line
		for _, m := range msgs {
			problems = append(problems, LineError{line, m})
		}
		products = append(products, p)
	}
	if len(problems) > 0 {
		return res, &ImportError{problems}
	}
	if len(products) == 0 {
		return res, &ImportError{[]LineError{{0, "the file has no products"}}}
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		cats := map[string]int64{}
		now := time.Now().UTC()
		for _, p := range products {
			var id int64
			// SKUs match whatever their case (as carts look them up): a row in another case is
			// this product, and takes the spelling of the file.
			tx.Raw("SELECT id FROM products WHERE LOWER(sku) = ?", strings.ToLower(p.SKU)).Scan(&id)
			if id == 0 {
				if err := tx.Raw("INSERT INTO products (sku, name, price, weight, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
					p.SKU, p.Name, p.Price, p.Weight, now, now).Scan(&id).Error; err != nil {
					return err
				}
				res.Created++
			} else {
				if err := tx.Exec("UPDATE products SET sku = ?, name = ?, price = ?, weight = ?, updated_at = ? WHERE id = ?", p.SKU, p.Name, p.Price, p.Weight, now, id).Error; err != nil {
					return err
				}
				res.Updated++
			}
			for _, q := range []string{"DELETE FROM product_categories WHERE product_id = ?", "DELETE FROM product_websites WHERE product_id = ?", "DELETE FROM product_attributes WHERE product_id = ?"} {
				if err := tx.Exec(q, id).Error; err != nil {
					return err
				}
			}
			for _, name := range p.Categories {
				cid, ok := cats[name]
				if !ok {
					tx.Raw("SELECT id FROM categories WHERE name = ?", name).Scan(&cid)
					if cid == 0 {
						if err := tx.Raw("INSERT INTO categories (name, created_at) VALUES (?, ?) RETURNING id", name, now).Scan(&cid).Error; err != nil {
							return err
						}
					}
					cats[name] = cid
				}
				if err := tx.Exec("INSERT INTO product_categories (product_id, category_id) VALUES (?, ?)", id, cid).Error; err != nil {
					return err
				}
			}
			for _, code := range p.Websites {
				if err := tx.Exec("INSERT INTO product_websites (product_id, website_id) VALUES (?, ?)", id, sites[code]).Error; err != nil {
					return err
				}
			}
			for code, v := range p.Attributes {
				if err := tx.Exec("INSERT INTO product_attributes (product_id, code, value) VALUES (?, ?, ?)", id, code, v).Error; err != nil {
					return err
				}
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionCatalogImport, "catalog", "", fmt.Sprintf("Catalog imported: %d created, %d updated", res.Created, res.Updated), nil, nil)
	})
	if err == nil && s.OnChange != nil {
		s.OnChange()
	}
	return res, err
}

func splitOn(v, sep string) []string {
	var out []string
	for _, p := range strings.Split(v, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseLine reads one CSV record, returning the product and its problems.
func parseLine(rec []string, sites map[string]int64) (Product, []string) {
	var msgs []string
	for _, f := range rec {
		if !validation.IsText(f, false) {
			return Product{}, []string{"contains characters that are not valid text"}
		}
	}
	p := Product{SKU: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Attributes: map[string]string{}}
	if !skuRe.MatchString(p.SKU) {
		msgs = append(msgs, "sku: use 1 to 64 letters, digits, dots, dashes, underscores or slashes")
	}
	if p.Name == "" || len(p.Name) > 255 {
		msgs = append(msgs, "name: enter a name of at most 255 characters")
	}
	price, err := money.ParsePrice(rec[2])
	if err != nil {
		msgs = append(msgs, fmt.Sprintf("price: %q is not a price such as 25.00", rec[2]))
	}
	p.Price = price
	if w := strings.TrimSpace(rec[3]); w != "" {
		if p.Weight, err = strconv.ParseFloat(w, 64); err != nil || p.Weight < 0 || p.Weight > 1e6 {
			msgs = append(msgs, fmt.Sprintf("weight: %q is not a weight", rec[3]))
		}
	}
	p.Categories = splitOn(rec[4], "|")
	for _, c := range p.Categories {
		if len(c) > 255 {
			msgs = append(msgs, "categories: a category name is longer than 255 characters")
		}
	}
	p.Websites = splitOn(rec[5], "|")
	if len(p.Websites) == 0 {
		msgs = append(msgs, "websites: name at least one website code, such as base")
	}
	for _, w := range p.Websites {
		if _, ok := sites[w]; !ok {
			msgs = append(msgs, fmt.Sprintf("websites: there is no website with code %q", w))
		}
	}
	for _, pair := range splitOn(rec[6], ";") {
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(strings.ToLower(k))
		if !ok || !attrCodeRe.MatchString(k) || len(v) > 255 {
			msgs = append(msgs, fmt.Sprintf("attributes: %q should be code=value, the code in lowercase letters, digits and underscores", pair))
			continue
		}
		p.Attributes[k] = strings.TrimSpace(v)
	}
	return p, msgs
}

// Filter selects a page of the products grid.
type Filter struct {
	Search    string
	SKUs      []string // only these SKUs (exact); nil: any
	WebsiteID int64    // only products sold on this website; 0: any
	Page      int
	PerPage   int
}

// List returns a page of products with the number matching and in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Product, int64, int64, error) {
	g := s.db.WithContext(ctx)
	var total, matched int64
	if err := g.Raw("SELECT COUNT(*) FROM products").Scan(&total).Error; err != nil {
		return nil, 0, 0, err
	}
	cond, args := "1 = 1", []any{}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		like := "%" + db.EscapeLike(q) + "%"
		cond, args = `(LOWER(sku) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\')`, []any{like, like}
	}
	if f.SKUs != nil {
		lower := []string{""}
		for _, sku := range f.SKUs {
			lower = append(lower, strings.ToLower(sku))
		}
		cond, args = cond+" AND LOWER(sku) IN ?", append(args, lower)
	}
	if f.WebsiteID != 0 {
		cond, args = cond+" AND id IN (SELECT product_id FROM product_websites WHERE website_id = ?)", append(args, f.WebsiteID)
	}
	if err := g.Raw("SELECT COUNT(*) FROM products WHERE "+cond, args...).Scan(&matched).Error; err != nil {
		return nil, 0, 0, err
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 20
	}
	if f.Page < 1 {
		f.Page = 1
	}
	out, err := s.products(ctx, "SELECT id, sku, name, price, weight FROM products WHERE "+cond+" ORDER BY sku LIMIT ? OFFSET ?",
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	return out, matched, total, err
}

// products runs a query of product columns and fills in each product's categories,
// websites and attributes.
func (s *Service) products(ctx context.Context, query string, args ...any) ([]Product, error) {
	var rows []struct {
		ID     int64
		SKU    string
		Name   string
		Price  int64
		Weight float64
	}
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Product, len(rows))
	for i, r := range rows {
		out[i] = Product{ID: r.ID, SKU: r.SKU, Name: r.Name, Price: r.Price, Weight: r.Weight}
	}
	return out, s.fill(ctx, out)
}

// OnWebsite reports whether the product is sold on the website.
func (p Product) OnWebsite(id int64) bool { return slices.Contains(p.WebsiteIDs, id) }

// BySKU returns the products with the given SKUs, keyed by the SKUs as asked for; SKUs
// match whatever their case, as in Magento; unknown SKUs are absent.
func (s *Service) BySKU(ctx context.Context, skus []string) (map[string]Product, error) {
	if len(skus) == 0 {
		return map[string]Product{}, nil
	}
	lower := make([]string, len(skus))
	for i, sku := range skus {
		lower[i] = strings.ToLower(sku)
	}
	ps, err := s.products(ctx, "SELECT id, sku, name, price, weight FROM products WHERE LOWER(sku) IN ?", lower)
	if err != nil {
		return nil, err
	}
	return indexOf(ps).BySKU(skus), nil
}

// Index is an immutable copy of the catalog by SKU, shared by storefront requests so a
// cart's products cost no query.
type Index struct{ bySKU map[string]Product }

// Index reads the whole catalog into an Index.
func (s *Service) Index(ctx context.Context) (*Index, error) {
	ps, err := s.products(ctx, "SELECT id, sku, name, price, weight FROM products")
	if err != nil {
		return nil, err
	}
	return indexOf(ps), nil
}

func indexOf(ps []Product) *Index {
	x := &Index{bySKU: make(map[string]Product, len(ps))}
	for _, p := range ps {
		x.bySKU[strings.ToLower(p.SKU)] = p
	}
	return x
}

// BySKU returns the products with the given SKUs, keyed by the SKUs as asked for; SKUs
// match whatever their case, as in Magento; unknown SKUs are absent.
func (x *Index) BySKU(skus []string) map[string]Product {
	out := make(map[string]Product, len(skus))
	for _, sku := range skus {
		if p, ok := x.bySKU[strings.ToLower(sku)]; ok {
			out[sku] = p
		}
	}
	return out
}

// fill loads the categories, websites and attributes of ps.
func (s *Service) fill(ctx context.Context, ps []Product) error {
	g := s.db.WithContext(ctx)
	pos := make(map[int64]int, len(ps))
	ids := make([]int64, len(ps))
	for i := range ps {
		ps[i].Attributes = map[string]string{}
		pos[ps[i].ID], ids[i] = i, ps[i].ID
	}
	if len(ids) == 0 {
		return nil
	}
	var cats []struct {
		ProductID, CategoryID int64
		Name                  string
	}
	if err := g.Raw("SELECT pc.product_id, pc.category_id, c.name FROM product_categories pc JOIN categories c ON c.id = pc.category_id WHERE pc.product_id IN ? ORDER BY c.name", ids).Scan(&cats).Error; err != nil {
		return err
	}
	for _, c := range cats {
		ps[pos[c.ProductID]].Categories = append(ps[pos[c.ProductID]].Categories, c.Name)
		ps[pos[c.ProductID]].CategoryID = append(ps[pos[c.ProductID]].CategoryID, c.CategoryID)
	}
	codes, err := s.websiteCodes(ctx)
	if err != nil {
		return err
	}
	var sites []struct{ ProductID, WebsiteID int64 }
	if err := g.Raw("SELECT product_id, website_id FROM product_websites WHERE product_id IN ?", ids).Scan(&sites).Error; err != nil {
		return err
	}
	// By code, as the import file names them; a website deleted meanwhile is left out.
	slices.SortStableFunc(sites, func(a, b struct{ ProductID, WebsiteID int64 }) int {
		return strings.Compare(codes[a.WebsiteID], codes[b.WebsiteID])
	})
	for _, st := range sites {
		code, ok := codes[st.WebsiteID]
		if !ok {
			continue
		}
		ps[pos[st.ProductID]].Websites = append(ps[pos[st.ProductID]].Websites, code)
		ps[pos[st.ProductID]].WebsiteIDs = append(ps[pos[st.ProductID]].WebsiteIDs, st.WebsiteID)
	}
	var attrs []struct {
		ProductID   int64
		Code, Value string
	}
	if err := g.Raw("SELECT product_id, code, value FROM product_attributes WHERE product_id IN ?", ids).Scan(&attrs).Error; err != nil {
		return err
	}
	for _, a := range attrs {
		ps[pos[a.ProductID]].Attributes[a.Code] = a.Value
	}
	return nil
}

// Category is a category with its id, which rule conditions name.
type Category struct {
	ID   int64
	Name string
}

// Categories lists the categories by name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	var cs []Category
	err := s.db.WithContext(ctx).Raw("SELECT id, name FROM categories ORDER BY name").Scan(&cs).Error
	sort.SliceStable(cs, func(i, j int) bool { return strings.ToLower(cs[i].Name) < strings.ToLower(cs[j].Name) })
	return cs, err
}

// ErrNotFound means no product has the id or SKU.
var ErrNotFound = errors.New("catalog: product not found")
