#!/usr/bin/env bash
# Generate the TypeScript view of Beekeeper's REST API from the server's own OpenAPI document
# (`python -m beekeeper_ext.openapi`): src/generated/api.d.ts (types, openapi-typescript) and
# src/generated/enums.ts (the run and setup state lists, read from the same document).
# Usage: scripts/gen-api.sh [OUTDIR]   (default src/generated; the drift test passes a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/generated}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PY="${PYTHON:-python}"
(cd .. && "$PY" -m beekeeper_ext.openapi) > "$tmp/openapi.json"
node_modules/.bin/openapi-typescript "$tmp/openapi.json" --root-types -o "$tmp/api.d.ts" --silent 2>/dev/null
header='// Generated from the server'"'"'s OpenAPI document by `npm run gen:api`: do not edit.'
{ echo "$header"; cat "$tmp/api.d.ts"; } | node_modules/.bin/prettier --stdin-filepath src/generated/api.d.ts > "$out/api.d.ts"
"$PY" - "$tmp/openapi.json" "$header" > "$tmp/enums.ts" <<'PYEOF'
import json, sys
schemas = json.load(open(sys.argv[1]))["components"]["schemas"]
def enum(*path):
    node = schemas
    for key in path:
        node = node[key]
    return node["enum"]
print(sys.argv[2])
print("import type { components } from './api';")
print("type S = components['schemas'];")
print("export const runStates: readonly NonNullable<S['Run']['state']>[] = %s;"
      % json.dumps(enum("Run", "properties", "state")))
print("export const setupStates: readonly NonNullable<NonNullable<S['Project']['setup']>['state']>[] = %s;"
      % json.dumps(enum("Project", "properties", "setup", "properties", "state")))
PYEOF
node_modules/.bin/prettier --stdin-filepath src/generated/enums.ts < "$tmp/enums.ts" > "$out/enums.ts"
