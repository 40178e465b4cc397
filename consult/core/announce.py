"""What an htmx answer says to a screen reader: one sentence for the page's one live region.

Every page has one persistent `#live-region` (templates/base.html). A region that is replaced by a new
element is announced unreliably, so no answer carries the region itself: the answer names its sentence in
the `HX-Trigger` header (event `consult:announce`) and static/js/consult.js changes the region's text
(empties it first, so that the same sentence twice is said twice).

The header is JSON with ASCII escapes: Turkish and Arabic sentences fit in an HTTP header as they are.
Where the person continues after the swap is the other half: the fragment marks that element with
`data-focus` (consult.js focuses it right after the swap).
"""

from __future__ import annotations

import json

ANNOUNCE_EVENT = "consult:announce"


def announce(message) -> dict[str, str]:
    """The response headers that put `message` (a string or a lazy text) into the live region."""
    return {"HX-Trigger": json.dumps({ANNOUNCE_EVENT: str(message)}, ensure_ascii=True)}


def announced_message(response) -> str | None:
    """The sentence an answer puts into the live region (for tests and logs), or None."""
    header = response.headers.get("HX-Trigger", "")
    if not header.startswith("{"):
        return None
    return json.loads(header).get(ANNOUNCE_EVENT)
