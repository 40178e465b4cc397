#!/usr/bin/env bash
# bench/annotate.sh - the annotated draft of issue 3, served by gunicorn (2 sync
# workers) on SQLite, measured in the same interleaved rounds as the reference
# apps of ../shared/bench/limits.sh:
#
#   render          draft page GET /drafts/bench as a signed-in delegate       goal >= 0.5 x ref_render
#   render_voting   the same while votes come in (VOTES_PER_S, default 10)      goal >= 0.5 x ref_render
#   render_nocache  the same on a second server with the page cache off         goal >= 0.5 x ref_render
#   tally           GET /drafts/bench/tallies with the ETag the page names (304) goal >= 0.5 x ref_const
#   tally_200       the same without If-None-Match (the JSON of 201 tallies)    goal >= 0.5 x ref_const
#   vote            POST /drafts/bench/votes as that delegate, htmx             goal >= 0.4 x ref_vote
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
#   TARGETS=vote bench/annotate.sh          # only some of: render render_voting render_nocache tally tally_200 vote
#   VOTES_PER_S=20 TARGETS=render_voting bench/annotate.sh   # votes per second while render_voting runs
#   AS=guest bench/annotate.sh              # the page as a guest (public draft)
#   VOTE_HTMX=0 bench/annotate.sh           # plain-form vote POST (302) instead of htmx (200)
#   PROFILE=1 bench/annotate.sh             # then profile both requests in-process (bench/profile_requests.py)
#   STRICT=1 bench/annotate.sh              # exit 1 when a goal is missed
#   FLOOR=1 TARGETS=vote bench/annotate.sh  # the stack alone: a vote view that does nothing (bench/stack_floor.py)
#   FLOOR=1 TARGETS=tally bench/annotate.sh # the stack alone for a polled GET: a tally view that does nothing
#   FLOOR=1 TARGETS=render_nocache bench/annotate.sh  # the page's template alone: its data read once per process
#
# Needs wrk (installed here when run as root), curl, and the project's venv.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
PARAGRAPHS="${PARAGRAPHS:-200}"
COMMENTS="${COMMENTS:-2000}"
ORGANISATIONS="${ORGANISATIONS:-100}"
TARGETS="${TARGETS:-render render_voting render_nocache tally tally_200 vote}"
VOTES_PER_S="${VOTES_PER_S:-10}"
AS="${AS:-delegate}"
VOTE_HTMX="${VOTE_HTMX:-1}"
APP_WORKERS="${APP_WORKERS:-2}"
APP_MODULE="wsgi:app"
[[ "${FLOOR:-0}" == 1 ]] && APP_MODULE="stack_floor:app"   # bench/stack_floor.py: views that do nothing or read once
GOAL_RENDER="${GOAL_RENDER:-0.5}"
GOAL_VOTE="${GOAL_VOTE:-0.4}"
GOAL_TALLY="${GOAL_TALLY:-0.5}"
UA="consult-bench/1"

ensure_wrk annotate.sh
[[ "$AS" == delegate || "$AS" == guest ]] || { echo "annotate.sh: AS=delegate|guest" >&2; exit 2; }

WORK="$(mktemp -d /tmp/consult-bench.XXXXXX)"
PID=""; PID_NOCACHE=""; PID_VOTER=""
cleanup() {
  for pid in "$PID_VOTER" "$PID_NOCACHE" "$PID"; do
    if [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CONSULT_INSTANCE_PATH="$WORK" CONSULT_ENV=production MAIL_BACKEND=log SECRET_KEY=bench-only-secret SESSION_COOKIE_SECURE=0
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

run_limits() {  # run_limits <name> <ref> <url> <lua>: limits.sh stdout to $WORK/<name>.out
  echo "# --- $1: limits.sh with TARGET_URL=$3 (TARGET_REF=$2)" >&2
  VENV="$VENV" TARGET_URL="$3" TARGET_LUA="$4" TARGET_REF="$2" bash "$LIMITS" | tee "$WORK/$1.out"
}
start_voter() {  # votes of the delegate's organisation, VOTES_PER_S a second, until stop_voter (one curl each)
  "$VENV/bin/python" - "$BASE/drafts/$SLUG/votes" "$VOTES_PER_S" <<'PY' &
import os, random, signal, sys, time, urllib.request
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))   # stop_voter: the summary line, then out
url, rate = sys.argv[1], float(sys.argv[2])
ids = os.environ["CONSULT_PARAGRAPHS"].split(",")
body = lambda: f"csrf_token={os.environ['CONSULT_CSRF']}&vote={random.choice(ids)}:{random.choice(('yes', 'no', 'abstain'))}"
headers = {"Cookie": os.environ["CONSULT_VOTER_COOKIE"], "User-Agent": os.environ["CONSULT_UA"], "HX-Request": "true",
           "Content-Type": "application/x-www-form-urlencoded"}
sent = failed = 0
start = time.monotonic()
try:
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(url, body().encode(), headers), timeout=10).read()
        except Exception:
            failed += 1
        sent += 1
        time.sleep(max(0.0, start + sent / rate - time.monotonic()))
finally:
    print(f"# voter: {sent} votes in {time.monotonic() - start:.0f} s, {failed} failed", file=sys.stderr)
PY
  PID_VOTER=$!
}
stop_voter() {
  [[ -n "$PID_VOTER" ]] || return 0
  kill -TERM "$PID_VOTER" 2>/dev/null || true; wait "$PID_VOTER" 2>/dev/null || true; PID_VOTER=""
}
start_nocache() {  # a second server on the same database with the page cache off: every view renders the page
  [[ -n "$PID_NOCACHE" ]] && return 0
  PORT_NOCACHE="$(free_port)"
  CONSULT_PAGE_CACHE_BYTES=0 "$VENV/bin/gunicorn" --chdir "$ROOT" -b "127.0.0.1:$PORT_NOCACHE" -w "$APP_WORKERS" -k sync \
    --log-level warning --error-logfile "$WORK/gunicorn-nocache.log" --pythonpath "$ROOT,$HERE" "$APP_MODULE" >/dev/null 2>&1 &
  PID_NOCACHE=$!
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT_NOCACHE/login" && break; sleep 0.1; done
}
TALLY_ETAG="$(curl -s -A "$UA" -H "Cookie: $COOKIE" -D - -o /dev/null "$BASE/drafts/$SLUG/tallies" | awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')"
echo "# tally feed: ETag $TALLY_ETAG, $(curl -s -A "$UA" -H "Cookie: $COOKIE" "$BASE/drafts/$SLUG/tallies" | wc -c) bytes" >&2
export CONSULT_VOTER_COOKIE="$COOKIE"
for target in $TARGETS; do
  case "$target" in
    render) CONSULT_COOKIE="$CONSULT_COOKIE" run_limits render render "$BASE/drafts/$SLUG" "$HERE/session.lua" ;;
    render_voting)
      start_voter
      CONSULT_COOKIE="$CONSULT_COOKIE" run_limits render_voting render "$BASE/drafts/$SLUG" "$HERE/session.lua"
      stop_voter ;;
    render_nocache)
      start_nocache
      CONSULT_COOKIE="$CONSULT_COOKIE" run_limits render_nocache render "http://127.0.0.1:$PORT_NOCACHE/drafts/$SLUG" "$HERE/session.lua" ;;
    tally) CONSULT_COOKIE="$COOKIE" CONSULT_ETAG="$TALLY_ETAG" run_limits tally const "$BASE/drafts/$SLUG/tallies" "$HERE/tally.lua" ;;
    tally_200) CONSULT_COOKIE="$COOKIE" CONSULT_ETAG="" run_limits tally_200 const "$BASE/drafts/$SLUG/tallies" "$HERE/tally.lua" ;;
    vote)   CONSULT_COOKIE="$COOKIE" run_limits vote vote "$BASE/drafts/$SLUG/votes" "$HERE/vote.lua" ;;
    *) echo "annotate.sh: unknown target $target (render|render_voting|render_nocache|tally|tally_200|vote)" >&2; exit 2 ;;
  esac
done

if [[ -s "$WORK/gunicorn.log" ]]; then
  echo "# gunicorn error log (last lines):" >&2; tail -n 20 "$WORK/gunicorn.log" >&2
fi

# Summary: figures and ratios of each run against its goal.
MISSED=0
summary() {  # summary <name> <ref> <label> <goal>
  local out="$WORK/$1.out"
  [[ -s "$out" ]] || return 0
  read -r _ t_rps t_p50 t_p99 < <(grep '^target ' "$out")
  read -r _ r_rps _ _ < <(grep "^ref_$2 " "$out")
  ratio="$(awk '/^target\// { print $2 }' "$out")"
  verdict="$(awk -v r="$ratio" -v g="$4" 'BEGIN { print (r + 0 >= g + 0) ? "met" : "MISSED" }')"
  [[ "$verdict" == met ]] || MISSED=1
  printf '%-40s %8s req/s  p50 %7s ms  p99 %7s ms | ref_%-6s %8s req/s | ratio %s (goal >= %s: %s)\n' \
    "$3" "$t_rps" "$t_p50" "$t_p99" "$2" "$r_rps" "$ratio" "$4" "$verdict"
}
echo "# === consult annotate benchmark: $PARAGRAPHS paragraphs, $COMMENTS comments, gunicorn -w $APP_WORKERS sync, SQLite, load $(cut -d' ' -f1-3 /proc/loadavg)"
PAGE_LABEL="draft page GET ($AS)"; TALLY=("tally feed GET, If-None-Match (304)" "tally feed GET, no ETag (200, JSON)")
VOTE="vote POST (delegate, htmx=$VOTE_HTMX)"
if [[ "${FLOOR:-0}" == 1 ]]; then  # bench/stack_floor.py: what the stack alone allows
  PAGE_LABEL="FLOOR draft page, data read once"; TALLY=("EMPTY tally view (stack floor only)" "EMPTY tally view (stack floor only)")
  VOTE="EMPTY vote view (stack floor only)"
fi
summary render render "$PAGE_LABEL" "$GOAL_RENDER"
summary render_voting render "$PAGE_LABEL, $VOTES_PER_S votes/s" "$GOAL_RENDER"
summary render_nocache render "$PAGE_LABEL, page cache off" "$GOAL_RENDER"
summary tally const "${TALLY[0]}" "$GOAL_TALLY"
summary tally_200 const "${TALLY[1]}" "$GOAL_TALLY"
summary vote vote "$VOTE" "$GOAL_VOTE"

if [[ "${PROFILE:-0}" == 1 ]]; then
  kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
  "$VENV/bin/python" "$HERE/profile_requests.py" --slug "$SLUG" --email "$EMAIL" --password "$PASSWORD" \
    --as "$AS" --htmx "$VOTE_HTMX"
fi
if [[ "${STRICT:-0}" == 1 && "$MISSED" == 1 ]]; then exit 1; fi
