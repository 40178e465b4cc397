"""The app with a vote view and a tally feed that do nothing, and a draft page that reads its data once: what
the stack alone costs a vote POST and a polled GET, and what the draft page's markup alone costs.

    FLOOR=1 TARGETS=vote bench/annotate.sh
    FLOOR=1 TARGETS=tally bench/annotate.sh   # the tally feed's GET as the signed-in delegate: an empty 200
    FLOOR=1 TARGETS=render_nocache bench/annotate.sh   # the draft page's template, its data read once

gunicorn serves `stack_floor:app`: the real app, whose vote route keeps its guard
(signed in), and before it everything that runs for every request (session cookie,
CSRF check of the POST, the person loaded fresh, the two-factor rule, the after-request
hooks), but answers an empty 200 instead of checking, writing and rendering the vote.
Its ratio to `ref_vote` is the ceiling of any vote view on this stack and machine; the tally feed's
floor (the same before-request hooks for a signed-in GET, then an empty 200) is the ceiling of any
polled answer against `ref_const`. The draft page's floor is described below, at `_template_only`;
tests/reading/test_bench_floor.py holds that it renders the real page and reads none of its data again.
Never deploy this: it is for measuring only.
"""

from flask import request
from flask_login import current_user

import consult.reading.views as reading_views
from consult.accounts.auth import identity_only
from consult.core.access import public, signed_in
from wsgi import app


@signed_in
@identity_only
def _nothing(slug: str):
    return ""


app.view_functions["votes.cast"] = _nothing


@public
@identity_only
def _no_tallies(slug: str):
    return ""


app.view_functions["votes.tallies"] = _no_tallies


# The draft page with its data read once per process: every request still runs the view (the draft looked
# up, permission, the page's key, the vote boxes' holes filled) and renders the page's template, but the
# queries and computations that gather what the template shows (paragraphs, comment counts, passages,
# amendments, ...) run only for the first request of each page; later requests render the template from
# that context. With `CONSULT_PAGE_CACHE_BYTES=0` (`FLOOR=1 TARGETS=render_nocache`) its ratio to
# `ref_render` is the ceiling of this page's markup on this stack: what no faster query could pass.
_real_render_draft = reading_views._render_draft
_contexts: dict[tuple, dict] = {}


def _template_only(draft, voting, now, block="page", reading=None):
    key = (draft.id, draft.revision, block, reading, request.query_string, current_user.get_id())
    context = _contexts.get(key)
    if context is None:
        captured: dict = {}
        real_render_template, real_render_block = reading_views.render_template, reading_views.render_block

        def capture(render):
            return lambda name, *blocks, **context: captured.update(context) or render(name, *blocks, **context)

        reading_views.render_template = capture(real_render_template)
        reading_views.render_block = capture(real_render_block)
        try:
            page = _real_render_draft(draft, voting, now, block, reading)
        finally:
            reading_views.render_template, reading_views.render_block = real_render_template, real_render_block
        _contexts[key] = captured
        return page
    context = {**context, "draft": draft}  # this request's draft object (the first one's session is gone)
    if block == "paragraphs":
        return reading_views.render_block("reading/draft.html", "paragraphs", **context)
    return reading_views.render_template("reading/draft.html", **context)


reading_views._render_draft = _template_only
