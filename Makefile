# Frontdoor. A newcomer needs two commands: `make run` and `make test`.
GO      ?= go
BIN     := .build/frontdoor
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PKGS    := ./...
FUZZTIME ?= 20s

.PHONY: run build frontend migrate test test-go test-browser deps browser-deps fmt-check vet bench bench-cases fuzz clean

## run: build and start the server on the embedded SQLite store in ./data
run: build
	$(BIN) serve

build: frontend
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/frontdoor

migrate: build
	$(BIN) migrate

## frontend: the web app's stylesheet (GOV.UK Frontend through Sass), with
## the npm packages pinned in frontend/package-lock.json
frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm run --silent build

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

## test: install what the tests need, then gofmt check, go vet, every Go test
## with the race detector, and the web app's tests in headless Chromium
test: test-go test-browser

test-go: deps fmt-check vet
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

# The browser tests start the real binary on a loopback port with a fresh
# SQLite store each; screenshots land in .build/screenshots.
test-browser: build browser-deps
	cd frontend && FRONTDOOR_BIN=$(CURDIR)/$(BIN) SCREENSHOTS=$(CURDIR)/.build/screenshots npm run --silent test

# The race detector needs cgo and so a C compiler; a fresh machine gets one.
deps:
	@command -v gcc >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev; }
	$(GO) mod download

# Debian's chromium: browser downloads (npx playwright install) are blocked here.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y --no-install-recommends chromium; }

fmt-check:
	@out=$$(gofmt -l cmd api kiosk frontend locales); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

## bench: every benchmark; the case benchmarks build 10k- and 1M-case SQLite files once
## (about 7 minutes and 3 GB, in FRONTDOOR_BENCH_DIR, default $TMPDIR/frontdoor-bench) and reuse them
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -timeout 90m $(PKGS)

## bench-cases: the case benchmarks only, with the 10k/1M ratio table (issue 4's limit: 2x)
bench-cases:
	$(GO) test -run='^$$' -bench='BenchmarkRatios|BenchmarkCases' -benchtime=200x -timeout 90m -v ./api/cases/

## fuzz: run each fuzz target for FUZZTIME; new failing inputs land in testdata/fuzz
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf .build
