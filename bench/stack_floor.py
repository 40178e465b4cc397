"""The app with a vote view and a tally feed that do nothing: what the stack alone costs a vote POST
and a polled GET.

    FLOOR=1 TARGETS=vote bench/annotate.sh
    FLOOR=1 TARGETS=tally bench/annotate.sh   # the tally feed's GET as the signed-in delegate: an empty 200

gunicorn serves `stack_floor:app`: the real app, whose vote route keeps its guard
(signed in), and before it everything that runs for every request (session cookie,
CSRF check of the POST, the person loaded fresh, the two-factor rule, the after-request
hooks), but answers an empty 200 instead of checking, writing and rendering the vote.
Its ratio to `ref_vote` is the ceiling of any vote view on this stack and machine; the tally feed's
floor (the same before-request hooks for a signed-in GET, then an empty 200) is the ceiling of any
polled answer against `ref_const`.
Never deploy this: it is for measuring only.
"""

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
