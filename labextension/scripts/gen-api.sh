#!/usr/bin/env bash
# Generate the TypeScript types (and enum value lists) of Beekeeper's REST API from the server's own
# OpenAPI document: `python -m beekeeper_ext.openapi` | openapi-typescript | prettier.
# Usage: scripts/gen-api.sh [OUT]   (default src/generated/api.ts; the drift test passes a temp file)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/generated/api.ts}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd .. && "${PYTHON:-python}" -m beekeeper_ext.openapi) > "$tmp/openapi.json"
node_modules/.bin/openapi-typescript "$tmp/openapi.json" --enum-values --root-types -o "$tmp/api.ts" --silent
{
  echo '// Generated from the server'"'"'s OpenAPI document by `npm run gen:api`: do not edit.'
  echo '/* eslint-disable */'
  cat "$tmp/api.ts"
} | node_modules/.bin/prettier --stdin-filepath src/generated/api.ts > "$out"
