"""The OpenAPI 3.1 description of the open-data API (`/api/v1`), served at `/api/v1/openapi.json`.

Written by hand, field by field, from what `consult.api.views` answers: every object lists its required fields
and is closed (`additionalProperties: false`), so that tests/api/test_openapi.py, which validates real answers
against it, fails when a field is renamed, removed or added without being described here. The enumerations
(phases, amendment kinds and statuses, vote channels) are read from the models, so they cannot drift from the
values the database holds.

The stability promise of v1: fields are added, never removed or renamed, and their types do not change. A
client should therefore ignore fields it does not know; the closed shapes here bind this document to the code,
not clients to today's field list.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from consult.amendments.models import AmendmentKind, AmendmentStatus
from consult.drafts.models import Phase
from consult.votes.models import Channel

OPENAPI_VERSION = "3.1.0"
LICENCE = "AGPL-3.0-or-later"


def _package_version() -> str:
    """consult's version as installed (pyproject.toml); a source tree that was never installed has none."""
    try:
        return package_version("consult")
    except PackageNotFoundError:
        return "unknown"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _closed(description: str, properties: dict) -> dict:
    """An object with exactly these fields, all of them present (a missing value is `null`, never absent)."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _count(description: str) -> dict:
    return {"type": "integer", "minimum": 0, "description": description}


def _nullable_time(description: str) -> dict:
    return {"type": ["string", "null"], "format": "date-time", "description": description}


# The four fields every question (the whole draft, a paragraph, an amendment) carries about how it was decided.
QUESTION_MARKS = {
    "decided": {
        "type": "string",
        "enum": ["live", "online"],
        "description": "`live`: an agenda item for this question was closed in a live session of the "
        "draft; `online`: every other question, decided or not yet.",
    },
    "channels": _ref("Channels"),
    "proxies": {
        "type": "array",
        "items": _ref("ProxyVote"),
        "description": "The votes cast by proxy, by the short name of the organisation whose vote it is.",
    },
    "paper": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Short names of the organisations whose vote was entered from a paper ballot, "
        "in alphabetical order.",
    },
}

SCHEMAS = {
    "Draft": _closed(
        "A draft with its current version, the counts of its questions and its live sessions.",
        {
            "slug": {"type": "string", "description": "The draft's name in addresses, as in `/drafts/{slug}`."},
            "title": {"type": "string"},
            "phase": {
                "type": "string",
                "enum": [phase.value for phase in Phase],
                "description": "Where the draft stands: `preparation` (seen by staff only), `commenting`, "
                "`editing`, `voting`, `adopted`, `archived`.",
            },
            "deadline": _nullable_time("When the current phase ends (UTC, with offset); `null`: no deadline set."),
            "version": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "Number of the latest published version; `null` while none is published "
                "(then `paragraphs` is empty).",
            },
            "tally": {**_ref("Tally"), "description": "The vote on the whole draft."},
            **QUESTION_MARKS,
            "paragraphs": {
                "type": "array",
                "items": _ref("Paragraph"),
                "description": "The paragraphs of the current version, in order.",
            },
            "amendments": {
                "type": "array",
                "items": _ref("Amendment"),
                "description": "The amendments the organisations vote on or have decided by their vote "
                "(put to the vote, decided by it, or lapsed because an alternative passed); "
                "oldest first. Amendments decided by moderators or by consent are not "
                "listed.",
            },
            "live_sessions": {
                "type": "array",
                "items": _ref("LiveSession"),
                "description": "The draft's live sessions, oldest first.",
            },
        },
    ),
    "Paragraph": _closed(
        "One paragraph of the current version.",
        {
            "number": {"type": "integer", "minimum": 1, "description": "Its position in the current version."},
            "id": {
                "type": "integer",
                "minimum": 1,
                "description": "Stable across versions: comments and votes hang on it.",
            },
            "text": {"type": "string", "description": "The paragraph's Markdown source (a heading starts with `#`)."},
            "comments": _count(
                "Published comments on the paragraph, made on any version (comments on its amendments not included)."
            ),
            "tally": {**_ref("Tally"), "description": "The vote on the paragraph."},
            **QUESTION_MARKS,
        },
    ),
    "Amendment": _closed(
        "An amendment that is a question of the organisations' vote.",
        {
            "number": {
                "type": "integer",
                "minimum": 1,
                "description": "The amendment's number, as on its page `/drafts/{slug}/amendments/{number}`.",
            },
            "paragraph": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "`number` of the paragraph it amends in the current version; `null` when "
                "that paragraph is not part of the current version (it was struck).",
            },
            "kind": {
                "type": "string",
                "enum": [kind.value for kind in AmendmentKind],
                "description": "`replace`: a new text for the paragraph; `delete`: strike it; `insert`: a new "
                "paragraph after it.",
            },
            "status": {
                "type": "string",
                "enum": [status.value for status in AmendmentStatus],
                "description": "`put_to_vote` while the vote runs, then its outcome: `accepted`, "
                "`accepted_modified`, `rejected`, or `lapsed` (an alternative earlier in the "
                "voting order passed). The other values of amendments in general are listed for "
                "completeness.",
            },
            "proposed_text": {
                "type": ["string", "null"],
                "description": "The proposed Markdown text; `null` for `delete`.",
            },
            "tally": {**_ref("Tally"), "description": "The vote on the amendment."},
            **QUESTION_MARKS,
        },
    ),
    "Tally": _closed(
        "The counted votes of one question: those of active member organisations, one per organisation.",
        {
            "yes": _count("Votes for."),
            "no": _count("Votes against."),
            "abstain": _count("Abstentions."),
            "voted": _count("Organisations that voted: yes + no + abstain."),
            "entitled": _count("Organisations entitled to vote (active members)."),
        },
    ),
    "Channels": _closed(
        "How the counted votes of the question came in.",
        {
            channel.value: _count(text)
            for channel, text in (
                (Channel.ONLINE, "Cast online."),
                (Channel.LIVE, "Cast in the live session by the organisation's own delegate."),
                (Channel.PROXY, "Cast in the live session by the organisation holding its proxy."),
                (Channel.PAPER, "Entered by the office from a paper ballot."),
            )
        },
    ),
    "ProxyVote": _closed(
        "A vote cast by proxy.",
        {
            "organisation": {"type": "string", "description": "Short name of the organisation whose vote it is."},
            "via": {
                "type": ["string", "null"],
                "description": "Short name of the organisation that cast it; `null` if that is not recorded.",
            },
        },
    ),
    "LiveSession": _closed(
        "A live session of the draft.",
        {
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": _nullable_time("`null` while the session runs."),
            "proxies": {
                "type": "array",
                "items": _ref("ConfirmedProxy"),
                "description": "The proxies the office confirmed in the session, in order of confirmation "
                "(withdrawn ones included); requests never confirmed are left out.",
            },
        },
    ),
    "ConfirmedProxy": _closed(
        "A proxy the office confirmed: `organisation`'s vote went to `holder`.",
        {
            "organisation": {"type": "string", "description": "Short name of the organisation that gave its proxy."},
            "holder": {"type": "string", "description": "Short name of the organisation that held it."},
            "confirmed_at": {"type": "string", "format": "date-time"},
            "withdrawn_at": _nullable_time("When the proxy was withdrawn; `null`: it was not."),
        },
    ),
    "Error": _closed(
        "Every error of the API, whatever its status.",
        {
            "error": {
                "type": "string",
                "description": "The status's reason in lower case, e.g. `not found`.",
                "examples": ["not found", "method not allowed", "service unavailable"],
            },
        },
    ),
}


def _json(schema_name: str, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}
    if headers:
        answer["headers"] = headers
    return answer


NOT_FOUND = _json(
    "Error",
    "No such draft, or one the requester may not see (the same answer for both). Also "
    "the answer to any address under `/api/v1` that is not described here.",
)
UNAVAILABLE = _json(
    "Error",
    "The database cannot be reached for a moment; try again after `Retry-After` seconds.",
    {"Retry-After": {"description": "Seconds.", "schema": {"type": "integer", "minimum": 0}, "required": True}},
)

PATHS = {
    "/drafts/{slug}": {
        "get": {
            "operationId": "getDraft",
            "summary": "A draft: its text, the counts of its votes and its live sessions",
            "description": "The same permissions as the draft's page: guests see public drafts past "
            "preparation; signed-in members (the session cookie) also the others past "
            "preparation; staff every draft. Organisations are named by short name; no people "
            "are named.",
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "The draft's name in addresses, as in the page's `/drafts/{slug}`.",
                    "schema": {"type": "string", "minLength": 1},
                }
            ],
            "responses": {
                "200": _json(
                    "Draft",
                    "The draft.",
                    {
                        "Cache-Control": {
                            "description": "`private, no-store` when the request was signed in (the answer may hold "
                            "drafts guests do not see); absent for guests.",
                            "schema": {"type": "string"},
                        }
                    },
                ),
                "404": NOT_FOUND,
                "503": UNAVAILABLE,
            },
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This description",
            "description": "The same for everyone; it changes only with the installed version of consult.",
            "responses": {
                "200": {
                    "description": "The OpenAPI document.",
                    "headers": {
                        "ETag": {"schema": {"type": "string"}, "required": True},
                        "Cache-Control": {"schema": {"type": "string"}, "required": True},
                        "Access-Control-Allow-Origin": {
                            "description": "`*`: any site may read it (an OpenAPI viewer).",
                            "schema": {"type": "string"},
                            "required": True,
                        },
                    },
                    "content": {"application/json": {"schema": {"type": "object", "required": ["openapi"]}}},
                },
                "304": {"description": "Not modified: the `If-None-Match` of the request names the current ETag."},
            },
        },
    },
}


def document() -> dict:
    """The OpenAPI document, with the version of the installed package."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "consult open data",
            "version": _package_version(),
            "summary": "Draft position papers of the federation: text, comment counts, votes and live sessions.",
            "description": "Read-only, JSON, no key needed: the same content and permissions as the pages. "
            "v1 is stable: fields are added, never removed or renamed, and their types do not "
            "change; a client should ignore fields it does not know. Times are UTC in RFC 3339 "
            "with an offset. Every error is answered as JSON (`Error`), also for an address under "
            "`/api/v1` that is not described here (404) and for a method other than GET or HEAD "
            "(405, with `Allow`).",
            "license": {"name": "GNU Affero General Public License v3.0 or later", "identifier": LICENCE},
        },
        "servers": [{"url": "/api/v1", "description": "This site."}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
