#!/usr/bin/env bash
# bench/room.sh - the load of a real room (issue 16, point 9): bench/room.py with the project's venv,
# installing its one extra package (aiohttp, the `bench` extra of pyproject.toml) when it is missing.
#
#   bench/room.sh                      # about 3 minutes on a quiet machine; prints the figures
#   bench/room.sh --profile 40         # then where a request's time goes, in-process
#   STRICT=1 bench/room.sh             # exit 1 when a goal is missed
#   bench/room.sh --help               # every knob (questions, phones, workers, worker class, ...)
#
# Needs PostgreSQL's server binaries (apt-get install postgresql); run as root or as a user who may run
# initdb (as root the cluster runs as `postgres`).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
if ! "$VENV/bin/python" -c 'import aiohttp' 2>/dev/null; then
  "$VENV/bin/pip" install -q 'aiohttp>=3.9,<4'
fi
exec "$VENV/bin/python" "$HERE/room.py" "$@"
