"""What the app tells the person who runs it: one log line per request, and every other line of that request
marked with the same request id.

- Each request gets an id: the one the reverse proxy sent in `X-Request-ID` (nginx's `$request_id`, so that
  its access log and ours name the same request), else a new random one. It goes back in the response's
  `X-Request-ID`, onto every error page ("reference of this request": what a person tells the office), and
  into every log line written while the request runs.
- One line per request, at INFO on the logger `consult.request`, when the answer is ready: method, path,
  status, duration in milliseconds, the request id.
- Lines go to stderr (systemd's journal under the service unit; the console under `make run`), as text, or as
  JSON lines (one object per line: time, level, logger, message, request_id and the request's fields) with
  `CONSULT_LOG_FORMAT=json`, for a log collector. `CONSULT_LOG_LEVEL` sets the level (default INFO).

Configured once per process, on the `consult` logger (which is also Flask's `app.logger`), which then does not
pass its records on to the root logger (a second handler there would print each line twice); in tests it
writes nothing and passes them on to pytest's capture.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request, request_finished

HEADER = "X-Request-ID"
# What we accept from a proxy as a request id: short and plain, so that it is safe in a log line and a page.
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{6,64}")
# The fields of the request line, also the keys of its JSON object.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")

request_log = logging.getLogger("consult.request")


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _VALID_ID.fullmatch(offered) else secrets.token_hex(8)
    return g.request_id


class _RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (or "-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id() or "-"
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; an exception's traceback goes into "exception" (still one line)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


FORMATTERS = {"text": TextFormatter, "json": JsonFormatter}


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of writing (as logging's own last-resort handler does):
    a test runner that swaps stderr per test never gets a line into a stream it has closed. `quiet` (tests):
    it only names the request on each record; the test runner's own log capture shows them."""

    def __init__(self, quiet: bool = False) -> None:
        super().__init__()
        self.quiet = quiet

    def emit(self, record: logging.LogRecord) -> None:
        if not self.quiet:
            super().emit(record)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(log_format: str, level: str, quiet: bool = False) -> logging.Handler:
    """The `consult` logger writes to stderr in `log_format` at `level` (`quiet`: not at all); called again
    (tests build many apps), it replaces its own handler rather than adding a second one."""
    logger = logging.getLogger("consult")
    for old in [h for h in logger.handlers if getattr(h, "consult_handler", False)]:
        logger.removeHandler(old)
    handler = _StderrHandler(quiet)
    # Marks the handler this module owns (replaced, never doubled); logging's types declare no such attribute.
    handler.consult_handler = True  # type: ignore[attr-defined]
    handler.setFormatter(FORMATTERS[log_format]())
    handler.addFilter(_RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    # Where our handler writes, it is the only one: a root handler that something else set up (alembic's
    # fileConfig, when a command ran the migrations in this process) would print every line a second time.
    # Quiet (tests), records go on to the test runner's capture.
    logger.propagate = quiet
    return handler


def init_app(app: Flask) -> None:
    from flask.logging import default_handler

    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], quiet=bool(app.config.get("TESTING")))
    app.logger.removeHandler(default_handler)  # ours writes the same records, with the request id

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def name_the_request(response):
        response.headers[HEADER] = request_id() or ""
        return response

    def log_request(sender, response, **extra) -> None:
        """After every response hook (compression may still turn a 200 into a 304): the status sent. The query
        string stays out of the log (search words, addresses)."""
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        }
        request_log.info(
            "%s %s %s %s ms", request.method, request.path, response.status_code, duration_ms, extra=fields
        )

    request_finished.connect(log_request, app, weak=False)

    @app.context_processor
    def the_request_id() -> dict:
        return {"request_id": request_id}
