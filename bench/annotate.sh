#!/usr/bin/env bash
# bench/annotate.sh - the annotated draft of issue 3, served by gunicorn (2 sync
# workers) on SQLite, measured in the same interleaved rounds as the reference
# apps of ../shared/bench/limits.sh:
#
#   draft page  GET  /drafts/bench        as a signed-in delegate   goal >= 0.5 x ref_render
#   vote        POST /drafts/bench/votes  as that delegate, htmx    goal >= 0.4 x ref_vote
#
# Seeds (bench/seed.py, through the app's models, one transaction, ~2 s): a public
# draft of 200 paragraphs in the voting phase, 2,000 comments (replies, quoted
# passages, a few held or withdrawn), 100 member organisations with one delegate
# each, and every organisation's vote on every paragraph (so tallies are full and
# each vote POST replaces a vote, as in ref_vote). Signs in once with curl (the
# real form, CSRF included), then wrk sends the session cookie: bench/session.lua
# for the page, bench/vote.lua for the POST (random paragraph, random choice).
# One limits.sh run per target, so each ratio comes from its own interleaved rounds.
#
#   bench/annotate.sh                       # after `make install`; about 3 minutes
#   ROUNDS=5 DURATION=8 bench/annotate.sh   # limits.sh knobs pass through
#   TARGETS=vote bench/annotate.sh          # only one of: render vote
#   AS=guest bench/annotate.sh              # the page as a guest (public draft)
#   VOTE_HTMX=0 bench/annotate.sh           # plain-form vote POST (302) instead of htmx (200)
#   PROFILE=1 bench/annotate.sh             # then profile both requests in-process (bench/profile_requests.py)
#   STRICT=1 bench/annotate.sh              # exit 1 when a goal is missed
#   FLOOR=1 TARGETS=vote bench/annotate.sh  # the stack alone: a vote view that does nothing (bench/stack_floor.py)
#
# Needs wrk (installed here when run as root), curl, and the project's venv.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
PARAGRAPHS="${PARAGRAPHS:-200}"
COMMENTS="${COMMENTS:-2000}"
ORGANISATIONS="${ORGANISATIONS:-100}"
TARGETS="${TARGETS:-render vote}"
AS="${AS:-delegate}"
VOTE_HTMX="${VOTE_HTMX:-1}"
APP_WORKERS="${APP_WORKERS:-2}"
APP_MODULE="wsgi:app"
[[ "${FLOOR:-0}" == 1 ]] && APP_MODULE="stack_floor:app"   # bench/stack_floor.py: a vote view that does nothing
GOAL_RENDER="${GOAL_RENDER:-0.5}"
GOAL_VOTE="${GOAL_VOTE:-0.4}"
UA="consult-bench/1"

ensure_wrk annotate.sh
[[ "$AS" == delegate || "$AS" == guest ]] || { echo "annotate.sh: AS=delegate|guest" >&2; exit 2; }

WORK="$(mktemp -d /tmp/consult-bench.XXXXXX)"
PID=""
cleanup() {
  if [[ -n "$PID" ]]; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
export PYTHONDONTWRITEBYTECODE=1
unset DATABASE_URL
cd "$ROOT"
"$VENV/bin/flask" --app consult db upgrade >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log" >&2; exit 1; }
"$VENV/bin/python" "$HERE/seed.py" --paragraphs "$PARAGRAPHS" --comments "$COMMENTS" \
  --organisations "$ORGANISATIONS" --phase voting > "$WORK/seed.json"
field() { "$VENV/bin/python" -c 'import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print(",".join(map(str, v)) if isinstance(v, list) else v)' "$WORK/seed.json" "$1"; }
SLUG="$(field slug)"; EMAIL="$(field email)"; PASSWORD="$(field password)"; PARAGRAPH_IDS="$(field paragraph_ids)"
echo "# seeded in $(field seconds) s: $PARAGRAPHS paragraphs, $COMMENTS comments, $ORGANISATIONS organisations (every one voted on every paragraph)" >&2

PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
"$VENV/bin/gunicorn" --chdir "$ROOT" -b "127.0.0.1:$PORT" -w "$APP_WORKERS" -k sync --log-level warning \
  --error-logfile "$WORK/gunicorn.log" --pythonpath "$ROOT,$HERE" "$APP_MODULE" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 150); do curl -sf -o /dev/null "$BASE/login" && break; sleep 0.1; done
curl -sf -o /dev/null "$BASE/login" || { echo "annotate.sh: the app did not come up" >&2; cat "$WORK/gunicorn.log" >&2; exit 1; }

# Sign in once through the real form (CSRF token included), keep the session cookie.
JAR="$WORK/cookies.txt"
token_of() {  # the CSRF token of the first form in the page on stdin
  "$VENV/bin/python" -c '
import re, sys
html = sys.stdin.read()
for tag in re.findall(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>", html):
    m = re.search(r"\bvalue=\"([^\"]+)\"", tag)
    if m:
        print(m.group(1)); break
else:
    sys.exit("no CSRF token in the page")'
}
LOGIN_TOKEN="$(curl -s -A "$UA" -c "$JAR" -b "$JAR" "$BASE/login" | token_of)"
code="$(curl -s -A "$UA" -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "csrf_token=$LOGIN_TOKEN" --data-urlencode "next=" "$BASE/login")"
[[ "$code" == 302 ]] || { echo "annotate.sh: sign-in answered $code" >&2; exit 1; }
COOKIE="session=$(awk '$6 == "session" { print $7 }' "$JAR")"
PAGE="$WORK/page.html"
curl -s -A "$UA" -H "Cookie: $COOKIE" -D "$WORK/page.headers" -o "$PAGE" "$BASE/drafts/$SLUG"
CSRF="$(token_of < "$PAGE")"
grep -q 'name="vote"' "$PAGE" || { echo "annotate.sh: the delegate sees no vote buttons" >&2; exit 1; }
if grep -qi '^set-cookie:' "$WORK/page.headers"; then
  echo "# WARNING: the signed-in page sets a cookie on every request (session rewritten)" >&2
fi
FIRST_ID="${PARAGRAPH_IDS%%,*}"
HX=(); [[ "$VOTE_HTMX" == 1 ]] && HX=(-H "HX-Request: true")
code="$(curl -s -A "$UA" -H "Cookie: $COOKIE" "${HX[@]}" -o "$WORK/vote.html" -w '%{http_code}' \
  --data-urlencode "csrf_token=$CSRF" -d "vote=$FIRST_ID:yes" "$BASE/drafts/$SLUG/votes")"
[[ "$code" == 200 || "$code" == 302 ]] || { echo "annotate.sh: test vote answered $code" >&2; head -c 600 "$WORK/vote.html" >&2; exit 1; }
GUEST_BYTES="$(curl -s "$BASE/drafts/$SLUG" | wc -c)"
echo "# draft page: $(wc -c < "$PAGE") bytes as a delegate, $GUEST_BYTES bytes as a guest; vote answer: $code, $(wc -c < "$WORK/vote.html") bytes (htmx=$VOTE_HTMX)" >&2

export CONSULT_UA="$UA" CONSULT_CSRF="$CSRF" CONSULT_PARAGRAPHS="$PARAGRAPH_IDS" CONSULT_HTMX="$VOTE_HTMX"
if [[ "$AS" == delegate ]]; then export CONSULT_COOKIE="$COOKIE"; else export CONSULT_COOKIE=""; fi

run_limits() {  # run_limits <ref> <url> <lua>: limits.sh stdout to $WORK/<ref>.out
  echo "# --- limits.sh with TARGET_URL=$2 (TARGET_REF=$1)" >&2
  VENV="$VENV" TARGET_URL="$2" TARGET_LUA="$3" TARGET_REF="$1" bash "$LIMITS" | tee "$WORK/$1.out"
}
for target in $TARGETS; do
  case "$target" in
    render) CONSULT_COOKIE="$CONSULT_COOKIE" run_limits render "$BASE/drafts/$SLUG" "$HERE/session.lua" ;;
    vote)   CONSULT_COOKIE="$COOKIE" run_limits vote "$BASE/drafts/$SLUG/votes" "$HERE/vote.lua" ;;
    *) echo "annotate.sh: unknown target $target (render|vote)" >&2; exit 2 ;;
  esac
done

if [[ -s "$WORK/gunicorn.log" ]]; then
  echo "# gunicorn error log (last lines):" >&2; tail -n 20 "$WORK/gunicorn.log" >&2
fi

# Summary: figures and ratios of each run against its goal.
MISSED=0
summary() {  # summary <ref> <label> <goal>
  local out="$WORK/$1.out"
  [[ -s "$out" ]] || return 0
  read -r _ t_rps t_p50 t_p99 < <(grep '^target ' "$out")
  read -r _ r_rps _ _ < <(grep "^ref_$1 " "$out")
  ratio="$(awk '/^target\// { print $2 }' "$out")"
  verdict="$(awk -v r="$ratio" -v g="$3" 'BEGIN { print (r + 0 >= g + 0) ? "met" : "MISSED" }')"
  [[ "$verdict" == met ]] || MISSED=1
  printf '%-34s %8s req/s  p50 %7s ms  p99 %7s ms | ref_%-6s %8s req/s | ratio %s (goal >= %s: %s)\n' \
    "$2" "$t_rps" "$t_p50" "$t_p99" "$1" "$r_rps" "$ratio" "$3" "$verdict"
}
echo "# === consult annotate benchmark: $PARAGRAPHS paragraphs, $COMMENTS comments, gunicorn -w $APP_WORKERS sync, SQLite"
summary render "draft page GET ($AS)" "$GOAL_RENDER"
if [[ "${FLOOR:-0}" == 1 ]]; then
  summary vote "EMPTY vote view (stack floor only)" "$GOAL_VOTE"
else
  summary vote "vote POST (delegate, htmx=$VOTE_HTMX)" "$GOAL_VOTE"
fi

if [[ "${PROFILE:-0}" == 1 ]]; then
  kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
  "$VENV/bin/python" "$HERE/profile_requests.py" --slug "$SLUG" --email "$EMAIL" --password "$PASSWORD" \
    --as "$AS" --htmx "$VOTE_HTMX"
fi
if [[ "${STRICT:-0}" == 1 && "$MISSED" == 1 ]]; then exit 1; fi
