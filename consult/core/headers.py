"""The security headers of every response, set in one place.

Every response of the app — pages, htmx fragments, redirects, error pages, static files and
downloads — leaves through `add_security_headers`, so a new view cannot forget them.

The Content-Security-Policy allows scripts, styles, fonts and requests from this site only, and
nothing inline: no `<script>` without `src`, no `on…=` handler, no `style=""` attribute, no
`eval` (htmx is configured in templates/base.html so that it needs none of them). A piece of text
that ever slipped through the Markdown renderer's escaping could therefore not run. Images may
also be `data:` URLs (the empty favicon of the base template). No plugin (`object-src`), no
`<base>` that would redirect relative links, forms post to this site only, and no other site may
show consult in a frame (clickjacking); X-Frame-Options says the same to older browsers.

The policy is the same for every response, without a nonce: whole pages are cached
(consult/core/page_cache.py), and a nonce in a cached page would be used twice.

Permissions-Policy switches off the browser features consult never uses (camera, microphone,
location, payment, USB …) for the page and anything it could embed. Chromium warns on the console
about feature names it does not know, so only names it knows are listed: FLoC's
`interest-cohort` is gone from it (`browsing-topics` is its successor), and Web Bluetooth is not
a policy-controlled feature there.

Referrer-Policy `same-origin`: a link to another site (in a comment) tells it nothing, not even
that consult was the page; consult's own requests keep the full Referer. They need it: over HTTPS
Flask-WTF refuses a POST without a same-origin Referer (WTF_CSRF_SSL_STRICT). This is also why
the pages with a token in their address (invitation, password reset) get `same-origin` rather
than the `no-referrer` their views ask for: the token still reaches no other site, and their
forms can be sent.

Strict-Transport-Security is sent only when the request came over HTTPS: `request.is_secure`,
which behind a proxy is true only if the proxy is trusted (PROXY_COUNT, see consult/__init__.py)
and said so in X-Forwarded-Proto. Over plain HTTP a browser ignores the header anyway.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DENIED_FEATURES = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

HSTS = "max-age=31536000"  # one year; subdomains are the operator's to decide, not consult's

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Referrer-Policy": "same-origin",  # other sites (links in comments) learn nothing of the page
    "X-Content-Type-Options": "nosniff",  # a download is never run as a script or page
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Set the security headers on `response` (replacing any a view set: there is one policy)."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
