#!/usr/bin/env bash
# govulncheck over the whole module against a pinned copy of the Go vulnerability database,
# taken from the Go module proxy (the golang.org/x/vulndb module's data/osv folder, indexed
# with that module's own indexdb command), so CI needs no other download site.
#
# It fails on every vulnerability our code reaches, except those in .ci/govulncheck-allow,
# each of which says why it does not apply and what would fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

dir=$(go mod download -json "golang.org/x/vulndb@${VULNDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
  echo "govulncheck: the vulnerability database module has no data/osv folder" >&2
  exit 1
fi
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
GOFLAGS=-mod=mod go run "golang.org/x/vulndb/cmd/indexdb@${VULNDB_VERSION}" -vulns "$dir/data/osv" -out "$db/vulndb"

# Installed, not run with go run, which turns the exit status 3 into 1.
GOBIN="$db/bin" go install "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}"
status=0
out=$("$db/bin/govulncheck" -db "file://$db/vulndb" ./... 2>&1) || status=$?
# 0: nothing found; 3: vulnerabilities found (judged below); anything else is an error.
if [ "$status" != 0 ] && [ "$status" != 3 ]; then
  echo "$out" >&2
  exit "$status"
fi
found=$(echo "$out" | sed -n 's/^Vulnerability #[0-9]*: \(GO-[0-9]*-[0-9]*\).*/\1/p' | sort -u)
allowed=$(sed -n 's/^\(GO-[0-9]*-[0-9]*\)[[:space:]].*/\1/p' .ci/govulncheck-allow | sort -u)
left=$(comm -23 <(echo "$found" | sed '/^$/d') <(echo "$allowed" | sed '/^$/d'))
echo "govulncheck $GOVULNCHECK_VERSION, database $VULNDB_VERSION, $(go env GOVERSION): reached $(echo "$found" | sed '/^$/d' | wc -l) known vulnerabilities, $(echo "$left" | sed '/^$/d' | wc -l) not in .ci/govulncheck-allow"
if [ -n "$left" ]; then
  echo "$out"
  echo "govulncheck: fix these (or, if they cannot apply to us, add them to .ci/govulncheck-allow with the reason): $left" >&2
  exit 1
fi
