# bench/lib.sh - what the benchmark scripts share; source it after setting HERE.
ROOT="$(dirname "$HERE")"
LIMITS="${LIMITS:-$ROOT/../shared/bench/limits.sh}"
VENV="${VENV:-$ROOT/.venv}"

ensure_wrk() {  # ensure_wrk <script name>: install wrk when root, else say it is missing
  [[ -f "$LIMITS" ]] || { echo "$1: $LIMITS not found (set LIMITS=...)" >&2; exit 2; }
  command -v wrk >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
  else
    echo "$1: wrk is missing (apt-get install wrk)" >&2; exit 2
  fi
}

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
