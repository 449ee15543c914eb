#!/usr/bin/env bash
# Install labextension/node_modules exactly as package-lock.json pins it (`npm ci` never writes the
# lock), skipped when node_modules already matches the lock. The build hook of `pip install -e .`
# runs `npm install` afterwards; on a tree `npm ci` made, that finds nothing to change, so the
# scripts leave every tracked file as it was.
set -euo pipefail
cd "$(dirname "$0")/../labextension"
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  npm ci --no-audit --no-fund
fi
