#!/usr/bin/env bash
# Generate the TypeScript view of Beekeeper's REST API from the server's own OpenAPI document
# (`python -m beekeeper_ext.handlers`): src/generated/api.d.ts (types, openapi-typescript) and
# src/generated/enums.ts (the run and setup state lists, read from the same document).
# Usage: scripts/gen-api.sh [OUTDIR]   (default src/generated; the drift test passes a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/generated}"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PY="${PYTHON:-python}"
(cd .. && "$PY" -m beekeeper_ext.handlers) > "$tmp/openapi.json"
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
print("import type { components, paths } from './api';")
print("type S = components['schemas'];")
print("export const runStates: readonly NonNullable<S['Run']['state']>[] = %s;"
      % json.dumps(enum("Run", "properties", "state")))
print("export const setupStates: readonly NonNullable<NonNullable<S['Project']['setup']>['state']>[] = %s;"
      % json.dumps(enum("Project", "properties", "setup", "properties", "state")))
doc = json.load(open(sys.argv[1]))
def deref(node, seen):
    while isinstance(node, dict) and "$ref" in node and node["$ref"] not in seen:
        seen = seen | {node["$ref"]}
        target = doc
        for key in node["$ref"].lstrip("#/").split("/"):
            target = target[key]
        node = target
    return node, seen
def enum_in(node, seen):
    """An enum in a property's schema, through refs, unions and array items."""
    node, seen = deref(node, seen)
    if not isinstance(node, dict):
        return None
    if "enum" in node:
        return [e for e in node["enum"] if e is not None]
    for child in [node.get("items"), *node.get("anyOf", []), *node.get("oneOf", []), *node.get("allOf", [])]:
        found = child is not None and enum_in(child, seen)
        if found:
            return found
    return None
def find_enum(node, prop, seen=frozenset()):
    """The first enum of a property named `prop` anywhere below `node`: the sink and schedule
    schemas read the same whether inline or models behind refs."""
    node, seen = deref(node, seen)
    if isinstance(node, dict):
        if prop in (node.get("properties") or {}):
            found = enum_in(node["properties"][prop], seen)
            if found:
                return found
        children = list(node.values())
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = find_enum(child, prop, seen)
        if found:
            return found
    return None
def path_enum(path, method, prop):
    found = find_enum(doc["paths"][path][method]["responses"], prop)
    if not found:
        raise SystemExit(f"no enum {prop} under {method} {path}")
    return found
SINK = "NonNullable<NonNullable<P['/notifications/sinks']['get']['responses'][200]['content']['application/json']['sinks']>[number]>"
SCHEDULE = "NonNullable<NonNullable<P['/schedules']['get']['responses'][200]['content']['application/json']['schedules']>[number]>"
print("type P = paths;")
print("export const sinkKinds: readonly NonNullable<%s['kind']>[] = %s;"
      % (SINK, json.dumps(path_enum("/notifications/sinks", "get", "kind"))))
print("export const sinkEvents: readonly NonNullable<%s['events']>[number][] = %s;"
      % (SINK, json.dumps(path_enum("/notifications/sinks", "get", "events"))))
print("export const smtpSecurity: readonly NonNullable<%s['security']>[] = %s;"
      % (SINK, json.dumps(path_enum("/notifications/sinks", "get", "security"))))
print("export const fireOutcomes: readonly NonNullable<NonNullable<%s['fires']>[number]['outcome']>[] = %s;"
      % (SCHEDULE, json.dumps(path_enum("/schedules", "get", "outcome"))))
PYEOF
node_modules/.bin/prettier --stdin-filepath src/generated/enums.ts < "$tmp/enums.ts" > "$out/enums.ts"
