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

from flask_babel import gettext as _

from consult.core.markdown import plain_text
from consult.exports.appendix import (
    amendment_title,
    ballot_name,
    collision_note,
    decided_when,
    decision,
    figures_line,
    provenance,
    proxy_note,
    question_label,
    recommendation_note,
    session_title,
    vote_requests_note,
    ways_note,
)
from consult.exports.document import Document
from consult.exports.page import document_locale, title_lines

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
        out.append(_escape_tags(markdown[last : code.start()]))
        out.append(code.group(0))
        last = code.end()
    out.append(_escape_tags(markdown[last:]))
    return "".join(out)


def _escape_tags(text: str) -> str:
    out, last = [], 0
    for match in _HTML_START.finditer(text):
        if _AUTOLINK.match(text, match.start()) or (match.start() > 0 and text[match.start() - 1] == "\\"):
            continue
        out.append(text[last : match.start()] + "\\<")
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _figures(question) -> str:
    """A question's figures (weighted votes in brackets), with the outcome in bold."""
    return figures_line(question, strong=lambda outcome: f"**{outcome}**")


def _names(values) -> str:
    return ", ".join(inline(value) for value in values)


def _amendment(amendment) -> list[str]:
    """One amendment of the appendix: a list item, its details indented below it."""
    title = amendment_title(amendment)
    details = [
        (_("Proposed by"), inline(amendment.organisation) or _("former delegate")),
        (_("Supported by"), _names(amendment.supporters)),
        (_("Proposed text"), inline(plain_text(amendment.proposed_text or ""))),
        (_("Justification"), inline(amendment.justification)),
        (_("Procedural recommendation"), inline(recommendation_note(amendment))),
        (_("Vote asked for by"), inline(vote_requests_note(amendment))),
        (_("Decision"), decision(amendment)),
        (
            _("Decided by"),
            ", ".join(part for part in (inline(amendment.decided_by), decided_when(amendment.decided_at)) if part),
        ),
        (_("Reason"), inline(amendment.reason)),
        (_("Adopted text"), inline(plain_text(amendment.adopted_text or ""))),
    ]
    return [f"- **{title}**  "] + [f"  {label}: {value}  " for label, value in details if value]


def _shaped(paragraph) -> list[str]:
    heading = f"§ {paragraph.position}" if paragraph.position else _("Removed paragraph")
    lines = [f"#### {heading}", ""]
    if not paragraph.position and paragraph.text:
        lines += [f"*{inline(plain_text(paragraph.text))}*", ""]
    for amendment in paragraph.amendments:
        lines += _amendment(amendment)
    for collision in paragraph.collisions:
        lines.append(f"- {collision_note(collision)}  ")
        if collision.text:
            lines.append(f"  {_('Common text')}: {inline(plain_text(collision.text))}")
    if paragraph.vote is not None:
        lines.append(f"- {_('Vote')}: {_figures(paragraph.vote)}")
    return lines + [""]


def _ways(results) -> list[str]:
    """Where each question was decided and how its votes came in; the live sessions' confirmed proxies."""
    lines = [f"### {_('How the votes came in')}", ""]
    if not results.sessions:
        return lines + [_("This draft had no live session: every question was voted on online."), ""]
    lines += [f"- {question_label(q)}: {inline(ways_note(q))}" for q in results.questions]
    lines.append("")
    for session in results.sessions:
        lines += [f"#### {session_title(session)}", ""]
        if session.proxies:
            lines += [f"{_('Proxies confirmed by the office')}:", ""]
            lines += [f"- {inline(proxy_note(proxy))}" for proxy in session.proxies]
        else:
            lines.append(_("No proxy was confirmed in this session."))
        lines.append("")
    return lines


def render_markdown(document: Document) -> str:
    """The document as Markdown, in the draft's language whoever asks (`document_locale`)."""
    with document_locale():
        return _render(document)


def _render(document: Document) -> str:
    title = title_lines(document)
    lines = [
        f"# {inline(title['title'])}",
        "",
        f"{inline(title['federation'])}  ",
        f"{title['status']}  ",
        f"{title['date']} · {title['version']}",
        "",
    ]
    for block in document.blocks:
        text = neutralise_html(block.markdown)
        if text.lstrip().startswith("#"):  # the draft's headings sit below the title
            text = "#" + text.lstrip()
        lines += [f"**§ {block.position}**", "", text, ""]
    history = provenance(document)
    if document.results is None and not history and not document.organisations:
        return "\n".join(lines)
    lines += [f"## {_('Appendix')}", ""]
    if document.results is not None:
        lines += [f"### {_('Results')}", "", f"- {_('Whole text')}: {_figures(document.results.whole)}"]
        lines += [f"- § {q.position}: {_figures(q)}" for q in document.results.paragraphs]
        lines += [f"- {question_label(q)}: {_figures(q)}" for q in document.results.amendments]
        lines.append("")
        lines += _ways(document.results)
    if history.shaped or history.removed:
        lines += [f"### {_('How the text came about')}", ""]
        for paragraph in (*history.shaped, *history.removed):
            lines += _shaped(paragraph)
    if history.not_adopted:
        lines += [f"### {_('Amendments not adopted')}", ""]
        for amendment in history.not_adopted:
            lines += _amendment(amendment)
        lines.append("")
    if document.show_ballots and document.results is not None:
        lines += [
            f"### {_('Who voted how')}",
            "",
            _("The organisations by their short names (see the participating organisations)."),
            "",
        ]
        for question in document.results.questions:
            lines.append(f"- {question_label(question)}  ")
            for choice, name in (("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))):
                voters = [inline(ballot_name(question, o)) for o in question.organisations(choice)]
                lines.append(f"  {name}: {', '.join(voters) or '–'}  ")
        lines.append("")
    if document.organisations:
        lines += [f"### {_('Participating organisations')}", ""]
        lines += [f"- {inline(o.name)} ({inline(o.short_name)})" for o in document.organisations]
        lines.append("")
    return "\n".join(lines)
