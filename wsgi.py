"""Entry point for gunicorn: `gunicorn wsgi:app`. Production settings unless CONSULT_ENV says otherwise."""

import gc
import os

os.environ.setdefault("CONSULT_ENV", "production")

from consult import create_app  # noqa: E402

app = create_app()

# What the app has built by now (modules, routes, the template environment, the database's metadata: about
# 200,000 objects) lives as long as the worker. Frozen, the garbage collector's full collections no longer walk
# it: unfrozen, each one took about 95 ms, once every 100 or so views of a long draft page (bench/README.md).
gc.freeze()
