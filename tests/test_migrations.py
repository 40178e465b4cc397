"""One migration history for SQLite and PostgreSQL, and it agrees with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from consult import create_app
from consult.extensions import db
from tests.conftest import TEST_CONFIG


def test_upgrade_from_empty_matches_models_and_downgrades_to_nothing(empty_database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_an_insertion_made_before_the_link_existed_finds_its_paragraph_on_upgrade(empty_database):
    """Migration a41c7e9b2d10: versions built before `inserted_paragraph_id` existed get the link from
    the texts (the new paragraph of the applying version that reads as the amendment's text)."""
    from consult.amendments.models import Amendment, AmendmentKind, AmendmentStatus
    from consult.drafts.models import Draft, Paragraph, ParagraphText, Version, VersionStatus

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
        draft = Draft(slug="alt", title="Alt")
        old, same = Paragraph(draft=draft), Paragraph(draft=draft)
        new = Paragraph(draft=draft)
        first = Version(draft=draft, number=1, status=VersionStatus.PUBLISHED)
        second = Version(draft=draft, number=2, status=VersionStatus.PUBLISHED)
        texts = [
            (first, old, 1, "Erster."),
            (first, same, 2, "Neu dazu."),
            (second, old, 1, "Erster."),
            (second, new, 2, "Neu dazu."),
            (second, same, 3, "Neu dazu."),
        ]
        db.session.add_all(
            [
                ParagraphText(version=v, paragraph=p, position=n, first_line=n, line_count=1, text=t, html=t)
                for v, p, n, t in texts
            ]
        )
        db.session.flush()
        amendment = Amendment(
            draft=draft,
            paragraph=old,
            version=first,
            kind=AmendmentKind.INSERT,
            base_text="Erster.",
            proposed_text="Neu dazu.",
            justification="",
            status=AmendmentStatus.ACCEPTED,
            applied_in_version_id=second.id,
        )
        db.session.add(amendment)
        db.session.commit()
        ids = (amendment.id, new.id)
        db.session.remove()
        downgrade(revision="783ab7934aca")  # as it was before: no link
        upgrade()
        assert db.session.get(Amendment, ids[0]).inserted_paragraph_id == ids[1]
        db.session.remove()
        db.engine.dispose()
