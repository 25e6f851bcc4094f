# Audience Activation — make targets. A fresh Debian machine needs Go and gcc; the targets
# install anything else they need (Debian's chromium for browser tests).
SHELL := /bin/bash
export CGO_ENABLED := 1
# Builds and tests use the Go release of go.mod's toolchain line (the standard library's
# known vulnerabilities fixed); the go command fetches it from the module proxy once.
export GOTOOLCHAIN := go1.26.10
GO ?= go
ADDR ?= 127.0.0.1:8080
DATA_DIR ?= ./data

.PHONY: run demo build test test-short bench generate lint vulncheck check-generated browser-deps pwa-deps clean

## run: serve the admin on http://$(ADDR) with SQLite under $(DATA_DIR)
run: build
	./bin/admin serve --addr $(ADDR) --data $(DATA_DIR)

## demo: the admin with a seeded demo store and a CDP emulator (data under $(DATA_DIR)/demo)
demo: build
	./bin/admin demo --no-2fa --addr $(ADDR) --data $(DATA_DIR)/demo

## build: the admin binary in ./bin
build:
	$(GO) build -o bin/admin ./cmd/admin

## test: the whole suite with the race detector, PostgreSQL store tests and browser tests
test: browser-deps pwa-deps
	$(GO) test -race -count=1 ./...

## test-short: unit and router tests only (no browser)
test-short:
	SKIP_BROWSER=1 $(GO) test -count=1 ./...

## bench: benchmarks (medians over 5 runs), then the storefront API load test against the
## built admin binary serving as its own process (about 50 s)
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...
	$(GO) run ./cmd/loadtest -binary bin/admin

## generate: regenerate templ and gqlgen code (committed); gqlgen's executor is then edited by
## internal/storefront/rewrite, which fails when an edit does not find what it expects
generate:
	$(GO) tool templ generate
	$(GO) generate ./internal/storefront

## vulncheck: govulncheck against a pinned vulnerability database (CI runs it)
vulncheck:
	bash .ci/govulncheck.sh

## lint: formatting, vet, and generated code in step with its sources
lint: check-generated
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

check-generated:
	$(GO) tool templ generate >/dev/null
	$(GO) generate ./internal/storefront
	@if [ -n "$$(git status --porcelain -- '*_templ.go' 'internal/storefront/*.go')" ]; then echo "generated code is stale: run 'make generate' and commit"; git status --porcelain -- '*_templ.go' 'internal/storefront/*.go'; exit 1; fi

## browser-deps: Debian's chromium for the browser tests (installed when missing and root)
browser-deps:
	@if command -v chromium >/dev/null 2>&1 || [ -n "$$SKIP_BROWSER" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium. Install it with:"; \
		echo "  sudo apt-get update && sudo apt-get install -y chromium"; \
		echo "or run 'make test-short' to skip them."; exit 1; \
	fi

## pwa-deps: PWA Studio's npm packages for the compatibility test (web/testdata/pwa-studio),
## installed from the committed lockfile; without npm it is skipped, except in CI
pwa-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ -n "$$CI" ] || [ -n "$$REQUIRE_PWA" ]; then echo "npm is needed for the PWA Studio compatibility test"; exit 1; fi; \
		echo "npm not found: the PWA Studio compatibility test will be skipped"; exit 0; \
	fi; \
	dir=web/testdata/pwa-studio; \
	if cmp -s $$dir/package-lock.json $$dir/node_modules/.installed-lock 2>/dev/null; then exit 0; fi; \
	cd $$dir && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock

clean:
	rm -rf bin
