"""Static files under content-hashed names, cached by browsers for a year.

`url_for('static', filename='css/consult.css')` gives `/static/css/consult.3f2a9c0d1e.css`: the
name carries the first ten hex digits of the file's SHA-256. That file is answered with
`Cache-Control: public, max-age=31536000, immutable`, so a browser's repeat view asks for no
stylesheet or script at all; a changed file has a new hash, hence a new address, and is fetched
once. The mapping is made in one place, a URL default for the `static` endpoint, so every template
and every `url_for` gets it; the hashes are computed once per process (a deploy restarts the
processes), on first use of each file.

Old names still answer: the plain name (`/static/css/consult.css`, e.g. from a page cached before
this change or an export) and a name with another hash (a page made before a deploy) get the current
file with `Cache-Control: no-cache`, as before, so nothing stale is kept for a year under them.
htmx (static/vendor) is served the same way. The Content-Security-Policy is unchanged: the files are
still this site's own.

A file under its current hashed name is sent compressed at the highest brotli (or gzip) level, made
once per process and kept: it is fetched once per browser and then kept for a year, so the few KB
saved count on every first view over a slow link (htmx: 17.4 KB at the level used for pages, 15.3 KB
at the highest). Other static answers are compressed like any answer (consult.core.compression).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path
from typing import Iterable

import brotli  # type: ignore[import-untyped]  # Brotli's Python binding ships no type information
from flask import Flask, Response, current_app, request

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
# "css/consult.3f2a9c0d1e.css" -> ("css/consult", "3f2a9c0d1e", ".css"); the extension is the last one.
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")

_hashes: dict[tuple[str, str], str | None] = {}
_encoded: dict[tuple[str, str, str], bytes] = {}
ENCODERS = {"br": lambda data: brotli.compress(data, quality=11), "gzip": lambda data: gzip.compress(data, 9, mtime=0)}


def file_hash(folder: str, filename: str) -> str | None:
    """The first ten hex digits of the file's SHA-256 (once per process), None when there is no such file."""
    key = (folder, filename)
    if key not in _hashes:
        path = Path(folder, filename)
        try:
            inside = path.resolve().is_relative_to(Path(folder).resolve())
            _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH] if inside else None
        except OSError:  # missing, a folder, unreadable: the plain name is used
            _hashes[key] = None
    return _hashes[key]


def _static_folder() -> str:
    """The app's static folder. consult's app always has one (`create_app` names it); an app without one
    has no `static` endpoint, so nothing here is reached for it."""
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("static file names are hashed only for an app with a static folder")
    return folder


def hashed_name(filename: str) -> str:
    """`css/consult.css` -> `css/consult.<hash>.css` (the name unchanged if the file is not there)."""
    digest = file_hash(_static_folder(), filename)
    if digest is None:
        return filename
    if "." not in filename.rpartition("/")[2]:  # no extension to keep: the plain name
        return filename
    stem, _, ext = filename.rpartition(".")
    return f"{stem}.{digest}.{ext}"


def real_name(filename: str) -> tuple[str, bool]:
    """The file a requested name stands for, and whether the name carries the file's current hash."""
    match = _HASHED.match(filename)
    if match is None or Path(_static_folder(), filename).is_file():
        return filename, False
    real = match["stem"] + match["ext"]
    return real, match["hash"] == file_hash(_static_folder(), real)


def _close_body(body: Iterable[str] | Iterable[bytes]) -> None:
    """Close a response body that is let go unsent (Werkzeug's file wrapper holds the open file). A WSGI
    body may have `close()` and then must be closed (PEP 3333); a list of bytes has none."""
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _send_precompressed(response: Response, filename: str) -> bool:
    """Put the file's compressed body (made once per process) into `response`, if the browser accepts one."""
    algorithm = request.accept_encodings.best_match(ENCODERS)
    if algorithm is None:
        return False
    folder = _static_folder()
    key = (folder, filename, algorithm)
    if key not in _encoded:
        _encoded[key] = ENCODERS[algorithm](Path(folder, filename).read_bytes())
    _close_body(response.response)
    response.direct_passthrough = False
    response.set_data(_encoded[key])
    response.headers["Content-Encoding"] = algorithm
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # as consult.core.compression does for compressed answers
    return True


def _hash_static_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = hashed_name(values["filename"])


def init_app(app: Flask) -> None:
    """Hash the names `url_for('static', …)` gives, and serve hashed names with a year's cache."""
    app.url_defaults(_hash_static_urls)
    send = app.view_functions["static"]

    def static(filename: str):
        real, current = real_name(filename)
        response = send(filename=real)
        # Flask's static view answers a Response (send_static_file), never a bare string or tuple.
        assert isinstance(response, Response), response
        if current and response.status_code in (200, 206, 304):
            response.headers["Cache-Control"] = IMMUTABLE
        if (
            current
            and response.status_code == 200
            and response.mimetype in current_app.config["COMPRESS_MIMETYPES"]
            and _send_precompressed(response, real)
        ):
            return response
        if response.status_code == 200 and response.direct_passthrough:
            # A whole file is read into the answer, so that it can be compressed like a page
            # (consult.core.compression passes streamed answers through); our files are small.
            # A range (206) stays as Werkzeug made it: compressing a part would break it.
            wrapper = response.response
            response.direct_passthrough = False
            response.set_data(b"".join(response.iter_encoded()))
            _close_body(wrapper)
        return response

    static.__doc__ = send.__doc__
    app.view_functions["static"] = static
