"""The PDF export: the document model set as a print page by WeasyPrint, fetching nothing.

The page is templates/exports/print.html with static/css/print.css, read here and
handed to WeasyPrint as a string. Every URL the renderer meets (an image, a link
target, a stylesheet in the page) goes to `RefusingFetcher`, which refuses it, so a
PDF never reaches the network or the file system; fonts come from fontconfig.
"""
from __future__ import annotations

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from consult.exports.document import Document
from consult.exports.page import render_page, stylesheet


class FetchRefused(ValueError):
    """A URL the PDF renderer was asked to fetch: every one is refused."""


class RefusingFetcher(URLFetcher):
    """WeasyPrint's fetcher with every fetch refused (user links, images, @import, file://)."""

    def fetch(self, url, headers=None):
        raise FetchRefused(f"the PDF export fetches nothing: {url[:200]}")


def render_pdf(document: Document) -> bytes:
    """The document as a PDF (inside an app context): title page, text with § numbers, appendix."""
    html = render_page(document)
    fetcher = RefusingFetcher()
    css = CSS(string=stylesheet(), url_fetcher=fetcher)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=[css])
