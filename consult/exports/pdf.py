"""The PDF export: the document model set as a print page by WeasyPrint, fetching nothing.

The page is templates/exports/print.html with static/css/print.css, read here and
handed to WeasyPrint as a string. Every URL the renderer meets (an image, a link
target, a stylesheet in the page) goes to `RefusingFetcher`, which refuses it, so a
PDF never reaches the network or the file system; fonts come from fontconfig.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, format_date, gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from consult.exports.document import Document

STATUS_LABELS = {
    "accepted": "Accepted",
    "accepted_modified": "Accepted in modified form",
    "rejected": "Rejected",
    "merged": "Merged into another amendment",
}


class FetchRefused(ValueError):
    """A URL the PDF renderer was asked to fetch: every one is refused."""


class RefusingFetcher(URLFetcher):
    """WeasyPrint's fetcher with every fetch refused (user links, images, @import, file://)."""

    def fetch(self, url, headers=None):
        raise FetchRefused(f"the PDF export fetches nothing: {url[:200]}")


@contextmanager
def document_locale() -> Iterator[None]:
    """The request's language in a request; the default language (German) from the command line or a job."""
    if has_request_context():
        yield
    else:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            yield


def status_label(status: str) -> str:
    """An amendment's decision as the documents name it."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def version_label(document: Document) -> str:
    """"Beschlossene Position", or "Entwurf, Fassung N (Vorschau)" for a version not adopted."""
    if document.adopted:
        return _("Adopted position")
    return _("Draft, version %(number)d (preview)", number=document.version.number)


def title_lines(document: Document) -> dict[str, str]:
    """The words of the title page, the same in every format."""
    return {
        "federation": document.federation,
        "title": document.draft.title,
        "date": format_date(document.dated, format="long"),
        "version": _("Version %(number)d", number=document.version.number),
        "status": version_label(document),
    }


def _stylesheet() -> str:
    return (Path(current_app.static_folder) / "css" / "print.css").read_text(encoding="utf-8")


def render_html(document: Document) -> str:
    """The same page as the PDF's, as a standalone HTML file (the stylesheet inside it)."""
    with document_locale():
        return render_template("exports/print.html", document=document, title=title_lines(document),
                               status_label=status_label, inline_css=_stylesheet())


def render_pdf(document: Document) -> bytes:
    """The document as a PDF (inside an app context): title page, text with § numbers, appendix."""
    with document_locale():
        html = render_template("exports/print.html", document=document, title=title_lines(document),
                               status_label=status_label)
    fetcher = RefusingFetcher()
    stylesheet = CSS(string=_stylesheet(), url_fetcher=fetcher)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
