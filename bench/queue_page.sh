#!/usr/bin/env bash
# bench/queue_page.sh - the moderation queue with 1,400 waiting items (its first page) against ref_const.
#
#   bench/queue_page.sh                 # about 2 minutes: seeding, then one limits.sh run
#   ENCODING= bench/queue_page.sh       # without Accept-Encoding (uncompressed answers)
#
# Seeds like bench/page_weight.py (its --seed: 1,400 held comments on a draft, a moderator without an
# organisation), serves the app with gunicorn (2 sync workers, production settings), signs in as the
# moderator with curl and runs ../shared/bench/limits.sh with TARGET_URL=/moderation, TARGET_REF=const,
# sending Accept-Encoding "$ENCODING" (default "gzip, deflate, br", what browsers send: the compression
# is part of the cost). Prints the limits.sh lines, the page's bytes and the ratio.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
ENCODING="${ENCODING-gzip, deflate, br}"
UA="consult-bench/1"
ensure_wrk queue_page.sh

WORK="$(mktemp -d /tmp/consult-queue.XXXXXX)"
PID=""
cleanup() {
  if [[ -n "$PID" ]]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production MAIL_BACKEND=log SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
export CONSULT_REQUIRE_2FA=0 PYTHONDONTWRITEBYTECODE=1
unset DATABASE_URL
cd "$ROOT"
"$VENV/bin/flask" --app consult db upgrade >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log" >&2; exit 1; }
"$VENV/bin/python" "$HERE/page_weight.py" --seed > "$WORK/seed.json"
PASSWORD="$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["password"])' "$WORK/seed.json")"
EMAIL="bench-moderator@example.org"

PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
"$VENV/bin/gunicorn" --chdir "$ROOT" -b "127.0.0.1:$PORT" -w 2 -k sync --log-level warning \
  --error-logfile "$WORK/gunicorn.log" wsgi:app >/dev/null 2>&1 &
PID=$!
for _ in $(seq 150); do curl -sf -o /dev/null "$BASE/login" && break; sleep 0.1; done

JAR="$WORK/cookies.txt"
TOKEN="$(curl -s -A "$UA" -c "$JAR" -b "$JAR" "$BASE/login" \
  | "$VENV/bin/python" -c 'import re, sys; print(re.search(r"name=\"csrf_token\"[^>]*value=\"([^\"]+)\"", sys.stdin.read()).group(1))')"
code="$(curl -s -A "$UA" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$TOKEN" "$BASE/login")"
[[ "$code" == 302 ]] || { echo "queue_page.sh: sign-in answered $code" >&2; exit 1; }
COOKIE="session=$(awk '$6 == "session" { print $7 }' "$JAR")"
plain="$(curl -s -A "$UA" -H "Cookie: $COOKIE" "$BASE/moderation" | wc -c)"
encoded="$(curl -s -A "$UA" -H "Cookie: $COOKIE" -H "Accept-Encoding: gzip, deflate, br" "$BASE/moderation" | wc -c)"
echo "# queue page 1: $plain bytes, $encoded bytes with Accept-Encoding: gzip, deflate, br" >&2

CONSULT_COOKIE="$COOKIE" CONSULT_UA="$UA" CONSULT_ENCODING="$ENCODING" VENV="$VENV" \
  TARGET_URL="$BASE/moderation" TARGET_LUA="$HERE/queue.lua" TARGET_REF=const bash "$LIMITS" | tee "$WORK/limits.out"
read -r _ t_rps t_p50 t_p99 < <(grep '^target ' "$WORK/limits.out")
ratio="$(awk '/^target\// { print $2 }' "$WORK/limits.out")"
printf 'moderation queue GET (1,400 waiting, page 1, Accept-Encoding "%s")  %s req/s  p50 %s ms  p99 %s ms | ratio to ref_const %s\n' \
  "$ENCODING" "$t_rps" "$t_p50" "$t_p99" "$ratio"
