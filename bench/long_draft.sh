#!/usr/bin/env bash
# bench/long_draft.sh - issue 17, point 5: the draft page of a 1,000-paragraph draft with 100,000 comments,
# served by gunicorn (2 sync workers, production settings) on SQLite. Prints, per request kind (the first view,
# the next § range as htmx loads it on scrolling, a later range by link), p50 / p95 / max latency, requests per
# second, the bytes of the answer and its bytes gzip'd, as a guest and as a signed-in delegate; once with the
# page cache on (how the page is served) and once from a second server with it off (every request renders).
#
#   bench/long_draft.sh                                  # about 3 minutes, most of it seeding
#   PARAGRAPHS=60 COMMENTS=5000 bench/long_draft.sh      # the 60-paragraph draft with 5,000 comments
#   REQUESTS=400 CONCURRENCY=8 bench/long_draft.sh
#   SEEDED=/tmp/long bench/long_draft.sh                 # keep the seeded database there (seeding 100,000 comments
#                                                        # takes minutes); a later run with SEEDED=/tmp/long reuses it
#   APP_ROOT=/path/to/other/checkout SEEDED=/tmp/long bench/long_draft.sh   # the same data, another checkout
#
# Goal (issue 17): the 1,000-paragraph draft answers within 300 ms p95 and does not send megabytes at once.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
APP_ROOT="${APP_ROOT:-$ROOT}"
PARAGRAPHS="${PARAGRAPHS:-1000}"
COMMENTS="${COMMENTS:-100000}"
ORGANISATIONS="${ORGANISATIONS:-100}"
REQUESTS="${REQUESTS:-200}"
CONCURRENCY="${CONCURRENCY:-4}"

WORK="$(mktemp -d /tmp/consult-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production MAIL_BACKEND=log SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
export PYTHONDONTWRITEBYTECODE=1
unset DATABASE_URL
cd "$APP_ROOT"
if [[ -n "${SEEDED:-}" && -f "$SEEDED/consult.sqlite3" ]]; then
  # A database seeded by an earlier run (SEEDED=dir: its consult.sqlite3 and seed.json), e.g. to compare checkouts.
  cp "$SEEDED/consult.sqlite3" "$SEEDED/seed.json" "$WORK/"
  echo "# the seeded database of $SEEDED: $PARAGRAPHS paragraphs, $COMMENTS comments (as seeded there)" >&2
else
  "$VENV/bin/flask" --app consult db upgrade >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log" >&2; exit 1; }
  started=$SECONDS
  PYTHONPATH="$APP_ROOT" "$VENV/bin/python" "$HERE/seed.py" --paragraphs "$PARAGRAPHS" --comments "$COMMENTS" \
    --organisations "$ORGANISATIONS" --phase commenting > "$WORK/seed.json"
  echo "# seeded in $((SECONDS - started)) s: $PARAGRAPHS paragraphs, $COMMENTS comments, $ORGANISATIONS organisations (commenting phase)" >&2
  if [[ -n "${SEEDED:-}" ]]; then
    mkdir -p "$SEEDED"
    "$VENV/bin/python" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
      "$WORK/consult.sqlite3" "$SEEDED/consult.sqlite3"
    cp "$WORK/seed.json" "$SEEDED/"
  fi
fi

serve() {  # serve <cache bytes>: a gunicorn on a free port, in $PORT (not in a subshell: cleanup stops it)
  PORT="$(free_port)"
  CONSULT_PAGE_CACHE_BYTES="$1" "$VENV/bin/gunicorn" --chdir "$APP_ROOT" -b "127.0.0.1:$PORT" -w 2 -k sync \
    --log-level warning --error-logfile "$WORK/gunicorn-$1.log" wsgi:app >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.1; done
}
serve $((64 * 1024 * 1024)); PORT_CACHE="$PORT"
serve 0; PORT_NOCACHE="$PORT"
EMAIL="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["email"])' "$WORK/seed.json")"
PASSWORD="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["password"])' "$WORK/seed.json")"

echo "# === consult long draft: $PARAGRAPHS paragraphs, $COMMENTS comments, gunicorn -w 2 sync, SQLite, $REQUESTS requests x $CONCURRENCY connections, $(cd "$APP_ROOT" && git rev-parse --short HEAD 2>/dev/null || echo "$APP_ROOT")"
for label in cache nocache; do
  port="$PORT_CACHE"; [[ "$label" == nocache ]] && port="$PORT_NOCACHE"
  for who in guest delegate; do
    creds=(); [[ "$who" == delegate ]] && creds=(--email "$EMAIL" --password "$PASSWORD")
    "$VENV/bin/python" "$HERE/long_draft.py" --base "http://127.0.0.1:$port" --requests "$REQUESTS" \
      --concurrency "$CONCURRENCY" --label "$label" "${creds[@]}"
  done
done
for log in "$WORK"/gunicorn-*.log; do
  if [[ -s "$log" ]]; then echo "# $(basename "$log") (last lines):" >&2; tail -n 10 "$log" >&2; fi
done
