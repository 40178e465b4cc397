"""Compressed responses (brotli or gzip, as the browser accepts), through Flask-Compress, in one place.

Every answer of a text kind — pages, htmx fragments, JSON, CSS, JavaScript, SVG — leaves compressed
when the request's `Accept-Encoding` allows it and the body is at least `COMPRESS_MIN_SIZE` bytes:
on a slow phone link a page of 130 KB becomes about 20 KB. Brotli is preferred (smaller), gzip is
for the rest; a client that accepts neither gets the body as it is. Images, PDF and DOCX downloads
are left alone (already compressed or not worth it).

Rules kept here, and why:

- The hook runs after every other `after_request` hook (it is put first in Flask's list, which runs
  backwards): it must see the final body, e.g. after consult.core.once has filled in the form keys.
- Streamed answers pass through untouched (`COMPRESS_STREAMS` off): a streamed download stays
  streamed, and nothing is held back to be compressed.
- ETags: the views answer `If-None-Match` themselves, before any work (the live state blocks, the
  tally feed, stored exports). Flask-Compress would append ":br" to a strong ETag, so a browser's
  revalidation would no longer match the view's tag and every poll would be rendered again. Instead
  a compressed answer's strong ETag is made weak (`W/"tag"`, as nginx does): the same content in
  another encoding, and `If-None-Match` is compared weakly (RFC 9110 13.1.2), by the views
  (`request.if_none_match.contains_weak`) and by Werkzeug for static files. Flask-Compress's own
  conditional evaluation is off for the same reason.
- 304, redirects, errors (below 200 or from 300 up) are not compressed (Flask-Compress's rule).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

compress = Compress()

SETTINGS = {
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
        "application/xml",
        "text/xml",
    ],
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 4,  # as fast as gzip and about as small; higher levels cost several times more
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,  # below this the headers cost more than is saved
    "COMPRESS_STREAMS": False,
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": False,
    "COMPRESS_REGISTER": False,  # registered below, as the last hook to run
}


def compress_response(response: Response) -> Response:
    """Compress `response` if the client accepts it; keep its ETag comparable (weak) across encodings."""
    etag, weak = response.get_etag()
    encoded_before = "Content-Encoding" in response.headers
    response = compress.after_request(response)
    if etag and not weak and not encoded_before and "Content-Encoding" in response.headers:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    for name, value in SETTINGS.items():
        app.config.setdefault(name, value)
    compress.init_app(app)
    # Flask runs after_request hooks in reverse order of registration: first in the list runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, compress_response)
