package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/pricerules"
)

func rulesExport(c *cli) int {
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	b, err := a.PriceRules.Export(c.ctx, a.RuleDirectory)
	if err != nil {
		return c.fail(err)
	}
	b = append(b, '\n')
	if c.args[0] == "-" {
		_, err = c.stdout.Write(b)
	} else {
		err = os.WriteFile(c.args[0], b, 0o644)
	}
	if err != nil {
		return c.fail(err)
	}
	if c.args[0] != "-" {
		fmt.Fprintf(c.stdout, "Exported the cart price rules to %s.\n", c.args[0])
	}
	return 0
}

func rulesImport(c *cli) int {
	var data []byte
	var err error
	if c.args[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(c.stdin, pricerules.MaxImportSize+1))
	} else {
		data, err = os.ReadFile(c.args[0])
	}
	if err != nil {
		return c.fail(err)
	}
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	res, err := a.PriceRules.Import(c.ctx, audit.Actor{Username: "cli"}, a.RuleDirectory, data)
	var ie *pricerules.ImportError
	if errors.As(err, &ie) {
		fmt.Fprintln(c.stderr, "admin: nothing was imported:")
		for _, p := range ie.Problems {
			fmt.Fprintln(c.stderr, "  -", p)
		}
		return 1
	} else if err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "Imported cart price rules: %d added, %d updated (matched by their code).\n", res.Added, res.Updated)
	return 0
}

// pricerulesSchema prints the JSON Schema of the rules file, for people and tools that
// write rules files.
func pricerulesSchema(c *cli) int {
	c.stdout.Write(pricerules.FileSchema())
	return 0
}

func catalogImport(c *cli) int {
	f, err := os.Open(c.args[0])
	if err != nil {
		return c.fail(err)
	}
	defer f.Close()
	a, closeApp, ok := c.openApp()
	if !ok {
		return 1
	}
	defer closeApp()
	res, err := a.Catalog.Import(c.ctx, audit.Actor{Username: "cli"}, f)
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		fmt.Fprintln(c.stderr, "admin: nothing was imported:")
		for _, l := range ie.Lines {
			if l.Line > 0 {
				fmt.Fprintf(c.stderr, "  - line %d: %s\n", l.Line, l.Message)
			} else {
				fmt.Fprintf(c.stderr, "  - %s\n", l.Message)
			}
		}
		return 1
	} else if err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "Imported: %d product(s) created, %d updated.\n", res.Created, res.Updated)
	return 0
}
