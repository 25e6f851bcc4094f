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

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/validation"
	cview "audienceactivation/templates/catalog"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

const productsPerPage = 25

func (s *Server) catalogPage(c echo.Context) error {
	return s.renderCatalog(c, http.StatusOK, nil)
}

func (s *Server) renderCatalog(c echo.Context, status int, problems []string) error {
	q := c.QueryParams()
	v := cview.View{Base: s.base(c, "Products", layout.NavCatalog), Search: validation.Clean(q.Get("q"), 255), Problems: problems,
		Header: strings.Join(catalog.CSVHeader, ",")}
	page := pageParam(q)
	ps, matched, total, err := s.deps.Catalog.List(c.Request().Context(), catalog.Filter{Search: v.Search, Page: page, PerPage: productsPerPage})
	if err != nil {
		return err
	}
	for _, p := range ps {
		var cats, attrs []string
		for i, name := range p.Categories {
			cats = append(cats, fmt.Sprintf("%s (%d)", name, p.CategoryID[i]))
		}
		for k, val := range p.Attributes {
			attrs = append(attrs, k+"="+val)
		}
		sort.Strings(attrs)
		v.Rows = append(v.Rows, cview.Row{ID: p.ID, SKU: p.SKU, Name: p.Name, Price: fmt.Sprintf("%d.%02d", p.Price/100, p.Price%100),
			Weight: strconv.FormatFloat(p.Weight, 'f', -1, 64), Categories: strings.Join(cats, ", "), Websites: strings.Join(p.Websites, ", "),
			Attributes: strings.Join(attrs, "; ")})
	}
	link := gridLinker("/admin/catalog", q, "q", "page")
	v.Pager = withPageLinks(components.PagerView{Page: page, PerPage: productsPerPage, Total: matched, Of: total, Noun: "products"}, link)
	return render(c, status, cview.Products(v))
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
