"""The document as Markdown: title block, the consolidated text with § numbers, the appendix."""
from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from consult.core.templating import labels
from consult.exports.document import Document


def _figures(question) -> str:
    f = question.deciding
    verdict = _("carried") if question.carried else _("not carried")
    return (f"{labels('vote')['yes']} {f.yes} · {labels('vote')['no']} {f.no} · {labels('vote')['abstain']} "
            f"{f.abstain} · {_('%(voted)d of %(entitled)d organisations voted', voted=question.voted, entitled=question.entitled)}"
            f" · **{verdict}**")


def render_markdown(document: Document) -> str:
    draft = document.draft
    status = _("Adopted position") if document.adopted else _("Draft, version %(num)d (preview)", num=document.version.number)
    lines = [f"# {draft.title}", "", f"{document.federation}  ", f"{status}  ",
             f"{format_date(document.dated, 'long')} · {_('Version')} {document.version.number}", ""]
    for block in document.blocks:
        text = block.markdown
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
            lines.append(f"- **{_('Amendment %(num)d', num=a.number)}** ({where}, {a.organisation or _('former delegate')}): "
                         f"{labels('amendment_status')[a.status]}" + (f" – {a.reason}" if a.reason else ""))
        lines.append("")
    if document.organisations:
        lines += [f"### {_('Participating organisations')}", ""]
        lines += [f"- {o.name} ({o.short_name})" for o in document.organisations]
        lines.append("")
    return "\n".join(lines)
