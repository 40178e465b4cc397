"""The PDF export: the document model set as a print page by WeasyPrint, fetching nothing.

The page is templates/exports/print.html with static/css/print.css, read here and
handed to WeasyPrint as a string. Every URL the renderer meets (an image, a link
target, a stylesheet in the page) goes to `RefusingFetcher`, which refuses it, so a
PDF never reaches the network or the file system; fonts come from fontconfig (the
results chart is inline SVG in the page, so nothing needs fetching for it either).

Every PDF we write goes through `write_pdf` (the change document's too, consult/exports/changes_page.py).
It is tagged PDF/UA-1: a structure tree (headings, paragraphs, lists, tables, the
chart as a Figure with its alternative text) for screen readers, the document's language
from `<html lang>`, its title from `<title>` shown as the window title, and bookmarks
made from the headings.
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


PDF_VARIANT = "pdf/ua-1"


def write_pdf(html: str, css: str) -> bytes:
    """One of our print pages (the position's, the change document's) as a tagged PDF/UA-1 file, fetching
    nothing: its language from `<html lang>`, its title from `<title>`, bookmarks from its headings."""
    fetcher = RefusingFetcher()
    stylesheet_ = CSS(string=css, url_fetcher=fetcher)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(
        stylesheets=[stylesheet_], pdf_variant=PDF_VARIANT
    )


def render_pdf(document: Document) -> bytes:
    """The document as a tagged PDF (inside an app context): title page, text with § numbers, appendix."""
    return write_pdf(render_page(document), stylesheet())
