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
ROOT="$(dirname "$HERE")"
LIMITS="${LIMITS:-$ROOT/../shared/bench/limits.sh}"
VENV="${VENV:-$ROOT/.venv}"
PARAGRAPHS="${PARAGRAPHS:-200}"

if ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  else
    echo "draft_page.sh: wrk is missing (apt-get install wrk)" >&2; exit 2
  fi
fi
[[ -x "$LIMITS" || -f "$LIMITS" ]] || { echo "draft_page.sh: $LIMITS not found (set LIMITS=...)" >&2; exit 2; }

WORK="$(mktemp -d /tmp/consult-bench.XXXXXX)"
PID=""
cleanup() {
  [[ -n "$PID" ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
FLASK="$VENV/bin/flask --app consult"
$FLASK db upgrade >/dev/null 2>&1
"$VENV/bin/python" - "$PARAGRAPHS" "$WORK/draft.md" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
blocks = []
for i in range(1, n + 1):
    if i % 20 == 1:
        blocks.append(f"## Abschnitt {i // 20 + 1}")
    else:
        blocks.append(f"Absatz {i}: Die Mitgliedsorganisationen fordern eine *verbindliche* Beteiligung "
                      "an allen Gesetzgebungsverfahren, die Menschen aus Einwandererfamilien betreffen, "
                      "sowie eine dauerhafte Strukturförderung ihrer Verbände in Bund, Ländern und Kommunen.")
open(path, "w", encoding="utf-8").write("\n\n".join(blocks) + "\n")
PY
$FLASK import-draft "$WORK/draft.md" --title "Benchmark-Entwurf" --slug bench >/dev/null
$FLASK set-phase bench commenting >/dev/null
"$VENV/bin/python" - <<'PY'
from consult import create_app
from consult.drafts.services import get_by_slug
from consult.extensions import db
app = create_app()
with app.app_context():
    get_by_slug("bench").is_public = True
    db.session.commit()
PY

PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$VENV/bin/gunicorn" --chdir "$ROOT" -b "127.0.0.1:$PORT" -w "${WORKERS:-2}" -k sync --log-level warning wsgi:app &
PID=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/drafts/bench" && break; sleep 0.1; done
echo "# consult draft page: $PARAGRAPHS paragraphs, $(curl -s "http://127.0.0.1:$PORT/drafts/bench" | wc -c) bytes" >&2

VENV="$VENV" TARGET_URL="http://127.0.0.1:$PORT/drafts/bench" TARGET_REF=render bash "$LIMITS"
