"""The document as Markdown: title block, the consolidated text with § numbers, the appendix.

Every piece of user text (the draft's title, organisations' names, reasons, justifications)
goes into the file through `inline()`, and only through it: the file is read by Markdown
renderers we do not control (some allow raw HTML, tables and bare links), so user text must
not be able to open HTML, a heading, a rule, a list, a table, a code block, emphasis or a link.
The draft's own paragraphs are the document's Markdown and go in as written, except that raw
HTML in them is escaped (`neutralise_html()`), as the app's renderer shows it: as text.
"""
from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import gettext as _

from consult.core.templating import labels
from consult.exports.document import Document

# Characters that open inline markup anywhere in a line: code, emphasis, links and images, raw HTML and
# entities, tables, strikethrough, headings' closing marks, autolinks (GFM links bare `https://` and `e@x`).
_ANYWHERE = re.compile(r"([\\`*_\[\]<>&!|~#:@])")
# What opens a block at the start of a line: a list item (`-`, `+`, `*`, `1.`, `1)`), a rule or setext
# underline (`---`, `===`), a quote (`>`), a heading (`#`), a fence (```, `~~~`), indented code.
_LINE_START = re.compile(r"^(\d{1,9})([.)])|^([-+=])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
_WWW = re.compile(r"(?i)\b(www)\.")
# Bidi embeddings, overrides and isolates: left open, they would turn the text after the value around.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FSI, _PDI = "\u2068", "\u2069"


def inline(text: str | None) -> str:
    """`text` as literal Markdown inline text, on one line: every character that could start markup is
    backslash-escaped, line breaks become spaces, and text with bidi controls is wrapped in an isolate
    (FSI … PDI), which ends whatever embedding it opened. The one escaper of the Markdown export."""
    if not text:
        return ""
    value = _LINE_BREAKS.sub(" ", text).strip()
    value = _ANYWHERE.sub(r"\\\1", value)
    value = _WWW.sub(r"\1\\.", value)
    value = _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", value)
    if _BIDI_CONTROLS.search(value):
        value = f"{_FSI}{_without_stray_pdi(value)}{_PDI}"
    return value


def _without_stray_pdi(value: str) -> str:
    """`value` without the PDIs that close no isolate of its own: one would close ours early."""
    out, depth = [], 0
    for char in value:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == _PDI:
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return "".join(out)


# Raw HTML as CommonMark sees it: a tag, closing tag, comment, processing instruction, declaration or CDATA.
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+)>")
_CODE = re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)|(`+).+?(?<!`)\2(?!`)")


def neutralise_html(markdown: str) -> str:
    """The draft's Markdown with raw HTML turned into text (`<` escaped) outside code and autolinks:
    the app renders drafts with HTML off, and a renderer with HTML on must show the same."""
    out, last = [], 0
    for code in _CODE.finditer(markdown):
        out.append(_escape_tags(markdown[last:code.start()]))
        out.append(code.group(0))
        last = code.end()
    out.append(_escape_tags(markdown[last:]))
    return "".join(out)


def _escape_tags(text: str) -> str:
    out, last = [], 0
    for match in _HTML_START.finditer(text):
        if _AUTOLINK.match(text, match.start()) or (match.start() > 0 and text[match.start() - 1] == "\\"):
            continue
        out.append(text[last:match.start()] + "\\<")
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _figures(question) -> str:
    f = question.deciding
    verdict = _("carried") if question.carried else _("not carried")
    return (f"{labels('vote')['yes']} {f.yes} · {labels('vote')['no']} {f.no} · {labels('vote')['abstain']} "
            f"{f.abstain} · {_('%(voted)d of %(entitled)d organisations voted', voted=question.voted, entitled=question.entitled)}"
            f" · **{verdict}**")


def render_markdown(document: Document) -> str:
    draft = document.draft
    status = _("Adopted position") if document.adopted else _("Draft, version %(num)d (preview)", num=document.version.number)
    lines = [f"# {inline(draft.title)}", "", f"{document.federation}  ", f"{status}  ",
             f"{format_date(document.dated, 'long')} · {_('Version')} {document.version.number}", ""]
    for block in document.blocks:
        text = neutralise_html(block.markdown)
        if text.lstrip().startswith("#"):  # the draft's headings sit below the title
            text = "#" + text.lstrip()
        lines += [f"**§ {block.position}**", "", text, ""]
    lines += [f"## {_('Appendix')}", ""]
    if document.results is not None:
        lines += [f"### {_('Results')}", "", f"- {_('The whole draft')}: {_figures(document.results.whole)}"]
        lines += [f"- § {q.position}: {_figures(q)}" for q in document.results.paragraphs]
        lines.append("")
    if document.amendments:
        lines += [f"### {_('Amendments')}", ""]
        for a in document.amendments:
            where = f"§ {a.position}" if a.position else "–"
            lines.append(f"- **{_('Amendment %(num)d', num=a.number)}** ({where}, "
                         f"{inline(a.organisation) or _('former delegate')}): "
                         f"{labels('amendment_status')[a.status]}" + (f" – {inline(a.reason)}" if a.reason else ""))
        lines.append("")
    if document.organisations:
        lines += [f"### {_('Participating organisations')}", ""]
        lines += [f"- {inline(o.name)} ({inline(o.short_name)})" for o in document.organisations]
        lines.append("")
    return "\n".join(lines)
