#!/usr/bin/env bash
# bench/draft_page.sh - the draft page of a 200-paragraph draft, served by gunicorn
# on SQLite, measured in the same interleaved rounds as the bare-stack references
# of ../shared/bench/limits.sh; prints their figures and our ratio to ref_render
# (a bare Flask app rendering 200 paragraphs with one Jinja partial each).
#
#   bench/draft_page.sh                 # after `make install`
#   ROUNDS=5 DURATION=8 bench/draft_page.sh
#
# Needs wrk (apt-get install wrk; installed here when run as root) and curl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
PARAGRAPHS="${PARAGRAPHS:-200}"
ensure_wrk draft_page.sh

WORK="$(mktemp -d /tmp/consult-bench.XXXXXX)"
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production MAIL_BACKEND=log SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
unset DATABASE_URL
"$VENV/bin/flask" --app consult db upgrade >/dev/null 2>&1
# A public draft in the commenting phase, without comments or organisations (bench/seed.py).
"$VENV/bin/python" "$HERE/seed.py" --paragraphs "$PARAGRAPHS" --comments 0 --organisations 0 --phase commenting >/dev/null

PORT="$(free_port)"
"$VENV/bin/gunicorn" --chdir "$ROOT" -b "127.0.0.1:$PORT" -w "${WORKERS:-2}" -k sync --log-level warning wsgi:app &
PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/drafts/bench" && break; sleep 0.1; done
echo "# consult draft page: $PARAGRAPHS paragraphs, $(curl -s "http://127.0.0.1:$PORT/drafts/bench" | wc -c) bytes" >&2

VENV="$VENV" TARGET_URL="http://127.0.0.1:$PORT/drafts/bench" TARGET_REF=render bash "$LIMITS"
