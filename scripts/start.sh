#!/usr/bin/env bash
# Install Beekeeper into ./.venv and start JupyterLab with it on 127.0.0.1.
# Extra arguments go to `jupyter lab` (e.g. --port 9999).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
bash scripts/npm-ci.sh
.venv/bin/python -m pip install -q -e .
ROOT_FLAG=()
[ "$(id -u)" = "0" ] && ROOT_FLAG=(--allow-root)
exec .venv/bin/jupyter lab --ip=127.0.0.1 --no-browser "${ROOT_FLAG[@]}" "$@"
