"""Test settings: the real settings module, plus what makes tests fast and self-contained."""

import os
import tempfile

# Everything the app writes goes to a throw-away folder, never into the developer's var/.
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="complaints-test-"))
# Browser tests run the live server in a thread next to Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

# Hashing is not what the tests test; argon2 would dominate their run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Without Redis, tasks run in-process; with it (CI's second pass) they go to the real broker.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SMS_BACKEND = "lib.sms.MemorySmsBackend"
# Two-step login is tested on its own (tests/security/test_two_factor.py); elsewhere an
# advocate's test session would need a code on every request.
TWO_FACTOR_REQUIRED_FOR_CASEWORKERS = False
