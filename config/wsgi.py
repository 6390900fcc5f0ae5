import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from lib.runtime import freeze_when_warm  # noqa: E402 - needs the settings configured above

freeze_when_warm()
