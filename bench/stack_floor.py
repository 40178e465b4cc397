"""The app with a vote view that does nothing: what the stack alone costs a vote POST.

    FLOOR=1 TARGETS=vote bench/annotate.sh

gunicorn serves `stack_floor:app`: the real app, whose vote route keeps its guard
(signed in), and before it everything that runs for every request (session cookie,
CSRF check of the POST, the person loaded fresh, the two-factor rule, the after-request
hooks), but answers an empty 200 instead of checking, writing and rendering the vote.
Its ratio to `ref_vote` is the ceiling of any vote view on this stack and machine.
Never deploy this: it is for measuring only.
"""
from consult.accounts.auth import identity_only
from consult.core.access import signed_in
from wsgi import app


@signed_in
@identity_only
def _nothing(slug: str):
    return ""


app.view_functions["votes.cast"] = _nothing
