"""The draft page of a long draft, as a reader's browser asks for it: latency (p50/p95), bytes and gzip'd bytes.

    python bench/long_draft.py --base http://127.0.0.1:PORT [--slug bench] [--requests 200] [--concurrency 4]
                               [--email E --password P] [--label cache]

Asks, each `--requests` times from `--concurrency` keep-alive connections after one warm-up request:

- `first view`: GET /drafts/<slug> (what a first view gets: the first § range);
- `next range (htmx)`: GET /drafts/<slug>/paragraphs?from=101 with HX-Request (what scrolling loads);
- `later range`: GET /drafts/<slug>?from=501 (a link to § 501);

and prints one line per request kind: p50, p95 and max in ms, requests per second, the answer's bytes and its
bytes once gzip'd (level 6, Python's gzip, as a compressing server would send it), plus the load average.
With `--email`, signs in through the real form first (CSRF token included) and asks as that person.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

UA = "consult-bench/1"


class Client:
    """One keep-alive connection with the session cookie."""

    def __init__(self, base: str, cookie: str = "") -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookie = cookie

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        sent = {"User-Agent": UA, **({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})}
        self.connection.request("GET", path, headers=sent)
        response = self.connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())

    def post(self, path: str, data: dict) -> tuple[int, dict]:
        sent = {
            "User-Agent": UA,
            "Content-Type": "application/x-www-form-urlencoded",
            **({"Cookie": self.cookie} if self.cookie else {}),
        }
        self.connection.request("POST", path, body=urlencode(data), headers=sent)
        response = self.connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())


def _cookie(headers: dict) -> str:
    found = re.search(r"session=([^;]+)", headers.get("Set-Cookie", ""))
    return f"session={found.group(1)}" if found else ""


def sign_in(base: str, email: str, password: str) -> str:
    client = Client(base)
    _, page, headers = client.get("/login")
    client.cookie = _cookie(headers)
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    status, headers = client.post("/login", {"email": email, "password": password, "csrf_token": token, "next": ""})
    if status != 302:
        raise SystemExit(f"long_draft.py: sign-in answered {status}")
    return _cookie(headers) or client.cookie


def measure(base: str, cookie: str, path: str, headers: dict, requests: int, concurrency: int) -> dict:
    status, body, _ = Client(base, cookie).get(path, headers)  # warm-up: the page cache's first rendering
    if status == 404:
        return None  # a checkout without § ranges (for comparisons)
    if status != 200:
        raise SystemExit(f"long_draft.py: {path} answered {status}")
    times: list[float] = []
    lock = threading.Lock()
    left = [requests]

    def worker() -> None:
        client = Client(base, cookie)
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            started = time.perf_counter()
            status, _, _ = client.get(path, headers)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"long_draft.py: {path} answered {status}")
            with lock:
                times.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    times.sort()
    return {
        "p50": statistics.median(times) * 1000,
        "p95": times[int(0.95 * (len(times) - 1))] * 1000,
        "max": times[-1] * 1000,
        "rps": len(times) / wall,
        "bytes": len(body),
        "gzip": len(gzip.compress(body, 6)),
        "paragraphs": len(re.findall(rb'<li class="paragraph" ', body)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--email")
    parser.add_argument("--password")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    cookie = sign_in(args.base, args.email, args.password) if args.email else ""
    who = "delegate" if cookie else "guest"
    kinds = [
        ("first view", f"/drafts/{args.slug}", {}),
        ("next range (htmx)", f"/drafts/{args.slug}/paragraphs?from=101", {"HX-Request": "true"}),
        ("later range", f"/drafts/{args.slug}?from=501", {}),
    ]
    for name, path, headers in kinds:
        r = measure(args.base, cookie, path, headers, args.requests, args.concurrency)
        if r is None:
            print(f"{args.label:<8} {who:<8} {name:<18} not served (404)", flush=True)
            continue
        print(
            f"{args.label:<8} {who:<8} {name:<18} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"max {r['max']:7.1f} ms  {r['rps']:6.1f} req/s  {r['bytes']:>9,} bytes  gzip {r['gzip']:>7,} bytes  "
            f"{r['paragraphs']:>4} paragraphs  (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
