#!/usr/bin/env bash
# Install everything Beekeeper's tests need into ./.venv and run the whole suite.
# System packages (git, Debian's chromium for the browser tests) are installed when missing and we are root.
# Extra arguments go to pytest (e.g. -k runs, -m "not ui").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && { ! command -v chromium >/dev/null || ! command -v git >/dev/null; }; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium git
fi
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
bash scripts/npm-ci.sh
.venv/bin/python -m pip install -q -e ".[test,ray]"
export PATH="$PWD/.venv/bin:$PATH"
# The front end's linters (eslint, prettier --check, stylelint) fail the script like a test would.
(cd labextension && npm run -s lint:check)
# Lint first (pyflakes, pycodestyle, a complexity limit: [tool.ruff] in pyproject.toml); a finding fails the script.
.venv/bin/ruff check beekeeper_ext tests bench
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
code=$?
set -e
# pytest's 5 means "no tests collected": that is a failure of this script, not a pass.
exit $code
