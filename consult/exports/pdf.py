"""The PDF export: the document model set as a print page by WeasyPrint, fetching nothing.

The page is templates/exports/print.html with static/css/print.css, read here and
handed to WeasyPrint as a string. Every URL the renderer meets (an image, a link
target, a stylesheet in the page) goes to `RefusingFetcher`, which refuses it, so a
PDF never reaches the network or the file system; fonts come from fontconfig (the
results chart is inline SVG in the page, so nothing needs fetching for it either).

The PDF is tagged PDF/UA-1: a structure tree (headings, paragraphs, lists, tables, the
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


def render_pdf(document: Document) -> bytes:
    """The document as a tagged PDF (inside an app context): title page, text with § numbers, appendix."""
    html = render_page(document)
    fetcher = RefusingFetcher()
    css = CSS(string=stylesheet(), url_fetcher=fetcher)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=[css], pdf_variant=PDF_VARIANT)
