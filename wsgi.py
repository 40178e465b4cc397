"""Entry point for gunicorn: `gunicorn wsgi:app`. Production settings unless CONSULT_ENV says otherwise."""

import os

os.environ.setdefault("CONSULT_ENV", "production")

from consult import create_app  # noqa: E402

app = create_app()
