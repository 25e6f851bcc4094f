package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/money"
	"audienceactivation/internal/validation"
	cview "audienceactivation/templates/catalog"
	"audienceactivation/templates/layout"
)

// productsGrid is Catalog › Products as the column chooser and the export see it. The
// export's header is the import file's (catalog.CSVHeader) and its cells are in the import's
// format, so a file exported with every column shown can be edited and imported again.
var productsGrid = registerGrid(&gridDef{name: "products", base: "/admin/catalog", perm: auth.PermCatalogRead, file: "products",
	keys: []string{"q", "page"},
	columns: []gridColumn{{key: "sku", label: "SKU", csv: "sku", fixed: true}, {key: "name", label: "Name", csv: "name"},
		{key: "price", label: "Price", csv: "price"}, {key: "weight", label: "Weight", csv: "weight"},
		{key: "categories", label: "Categories (id)", csv: "categories"}, {key: "websites", label: "Websites", csv: "websites"},
		{key: "attributes", label: "Attributes", csv: "attributes"}}})

func (s *Server) catalogPage(c echo.Context) error {
	return s.renderCatalog(c, http.StatusOK, nil)
}

func (s *Server) renderCatalog(c echo.Context, status int, problems []string) error {
	g, err := s.grid(c, productsGrid)
	if err != nil {
		return err
	}
	v := cview.View{Base: s.base(c, "Products", layout.NavCatalog), Search: validation.Clean(g.q.Get("q"), 255), Problems: problems,
		Header: strings.Join(catalog.CSVHeader, ",")}
	page := pageParam(g.q)
	ps, matched, total, err := s.deps.Catalog.List(c.Request().Context(), catalog.Filter{Search: v.Search, Page: page, PerPage: g.perPage})
	if err != nil {
		return err
	}
	for _, p := range ps {
		var cats []string
		for i, name := range p.Categories {
			cats = append(cats, fmt.Sprintf("%s (%d)", name, p.CategoryID[i]))
		}
		v.Rows = append(v.Rows, cview.Row{ID: p.ID, SKU: p.SKU, Name: p.Name, Price: money.Format(p.Price),
			Weight: strconv.FormatFloat(p.Weight, 'f', -1, 64), Categories: strings.Join(cats, ", "), Websites: strings.Join(p.Websites, ", "),
			Attributes: productAttributes(p, "; ")})
	}
	v.Pager = g.pager(page, matched, total, "products")
	v.Tools = g.tools(v.CSRF)
	return render(c, status, cview.Products(v))
}

// productAttributes are a product's attributes as code=value pairs in code order.
func productAttributes(p catalog.Product, sep string) string {
	var attrs []string
	for k, val := range p.Attributes {
		attrs = append(attrs, k+"="+val)
	}
	sort.Strings(attrs)
	return strings.Join(attrs, sep)
}

// productsCSV exports the products the search matches (every page) in the import format.
func (s *Server) productsCSV(c echo.Context) error {
	g, err := s.grid(c, productsGrid)
	if err != nil {
		return err
	}
	f := catalog.Filter{Search: validation.Clean(g.q.Get("q"), 255)}
	ps, n, err := exportRows(func(page, perPage int) ([]catalog.Product, int64, error) {
		f.Page, f.PerPage = page, perPage
		ps, matched, _, err := s.deps.Catalog.List(c.Request().Context(), f)
		return ps, matched, err
	})
	if err != nil {
		return err
	}
	rows := make([]map[string]string, len(ps))
	for i, p := range ps {
		rows[i] = map[string]string{"sku": p.SKU, "name": p.Name, "price": money.Format(p.Price), "weight": strconv.FormatFloat(p.Weight, 'f', -1, 64),
			"categories": strings.Join(p.Categories, "|"), "websites": strings.Join(p.Websites, "|"), "attributes": productAttributes(p, ";")}
	}
	return writeGridCSV(c, g, rows, n)
}

func (s *Server) catalogImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		return s.renderCatalog(c, http.StatusUnprocessableEntity, []string{"choose a CSV file"})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := s.deps.Catalog.Import(c.Request().Context(), actor(c), io.LimitReader(f, 8<<20))
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		var problems []string
		for i, l := range ie.Lines {
			if i == 50 {
				problems = append(problems, fmt.Sprintf("… and %d more", len(ie.Lines)-50))
				break
			}
			if l.Line > 0 {
				problems = append(problems, fmt.Sprintf("Line %d: %s", l.Line, l.Message))
			} else {
				problems = append(problems, l.Message)
			}
		}
		return s.renderCatalog(c, http.StatusUnprocessableEntity, problems)
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/catalog", flashSuccess, fmt.Sprintf("Imported: %d product(s) created, %d updated.", res.Created, res.Updated))
}
