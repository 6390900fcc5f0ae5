"""The WSGI application. gunicorn.conf.py (used by every server we start) adds what only
a long-running server process wants, such as freezing the garbage collector's view of
what a warm worker keeps."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
