"""One settings module for every environment, driven by environment variables.

Development needs nothing set: SQLite and the Celery broker live under DATA_DIR.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; with
those, `manage.py check --deploy --fail-level WARNING` is clean.
"""

from __future__ import annotations

import email.utils
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Everything the app writes at run time lives under one folder, so a fresh clone
# only ever grows `var/` and a deployment can point it at a persistent volume.
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET_KEY):
    # Failing loudly beats running production with a key that is in the repository.
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The project's apps, from the bottom layer up: each imports only those above it in
    # this list (tests/test_layers.py).
    "lib",
    "accounts",
    "audit",
    "complaints",
    "evidence",
    "regulators",
    "escalations",
    "cases",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's session and message middlewares, with shortcuts for untouched requests.
    "lib.middleware.SessionMiddleware",
    "lib.middleware.CookieLocaleMiddleware",
    "lib.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lib.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lib.middleware.CachedCSPMiddleware",
    # Django's AuthenticationMiddleware and django-otp's OTPMiddleware, the caseworkers'
    # idle timeout and the two-step gate, in one layer.
    "accounts.middleware.AccountMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
            ],
        },
    },
]

# Database: SQLite under DATA_DIR unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: it compiled the reminder sweep's cancelling query for 0.6 s to save
    # milliseconds (`make bench`); short transactional queries never gain from it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PhoneEmailOrUsernameBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after_login"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# Uploaded evidence is private: MEDIA_URL is never routed; files are served only by
# views that check permission.
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence uploads stream to temporary files (hashed on the way), never into memory.
FILE_UPLOAD_HANDLERS = ["evidence.uploads.HashingTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
MB = 1024 * 1024
EVIDENCE_MAX_BYTES = {
    "image": env.int("EVIDENCE_MAX_IMAGE_MB", default=25) * MB,
    "recording": env.int("EVIDENCE_MAX_RECORDING_MB", default=300) * MB,
    "document": env.int("EVIDENCE_MAX_DOCUMENT_MB", default=50) * MB,
    "chat": env.int("EVIDENCE_MAX_CHAT_MB", default=10) * MB,
}
EVIDENCE_MAX_BYTES_PER_COMPLAINT = env.int("EVIDENCE_MAX_COMPLAINT_MB", default=2048) * MB
EVIDENCE_MAX_FILES_PER_COMPLAINT = env.int("EVIDENCE_MAX_FILES_PER_COMPLAINT", default=300)
# Incidents per complaint: each is a paragraph of every letter. Repeated calls fit in one
# incident ("about 40 calls from 3 numbers, 1-10 May"); 50 separate events is a lot.
COMPLAINT_MAX_INCIDENTS = env.int("COMPLAINT_MAX_INCIDENTS", default=50)
# Larger than any photo a phone takes (about 50 Mpx), far below a decompression bomb.
EVIDENCE_MAX_IMAGE_PIXELS = 60_000_000
# Pictures and PDFs are decoded in a child process that may take this much memory and
# time (evidence/contained.py), never in the web worker or the Celery child. 60 million
# RGBA pixels are 240 MB decoded; making their display copy peaked at 350 MB.
EVIDENCE_DECODE_MEMORY_MB = env.int("EVIDENCE_DECODE_MEMORY_MB", default=400)
EVIDENCE_CHECK_SECONDS = 20  # in the upload request
EVIDENCE_PDF_MAX_OBJECTS = 200_000  # a 2,000-page scan has about 10,000
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# Evidence on S3-compatible storage (AWS, MinIO, Aliyun OSS, Tencent COS) when a bucket is
# named: objects private, links signed and short-lived, handed out only after the
# permission check in evidence.views.
EVIDENCE_S3_BUCKET = env.str("EVIDENCE_S3_BUCKET", default="")
EVIDENCE_SIGNED_URL_SECONDS = env.int("EVIDENCE_SIGNED_URL_SECONDS", default=120)
if EVIDENCE_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": EVIDENCE_S3_BUCKET,
            "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("EVIDENCE_S3_REGION", default="") or None,
            "access_key": env.str("EVIDENCE_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("EVIDENCE_S3_SECRET_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": EVIDENCE_SIGNED_URL_SECONDS,
            "file_overwrite": False,
            # Without it boto3 may sign with the old SigV2, which many stores refuse.
            "signature_version": "s3v4",
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Redis serves as Celery broker and cache when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lib.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="complaints"),
            "TIMEOUT": 300,
            # redis-py waits for ever by default: a Redis that hangs (rather than refuses)
            # would hold every web worker and every task that touches the cache. Pages
            # read at most a few hundred KB from it, in well under a second.
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=2.0),
            },
        }
    }
    # Sessions are read from the shared cache, written to both: one query fewer on every
    # page a logged-in person opens. Not with the per-process memory cache: a session
    # ended in one process would live on in another's copy.
    # Django's cached_db engine, opened lazily (lib/sessions.py).
    SESSION_ENGINE = "lib.sessions"
else:
    # Files under DATA_DIR rather than each process's memory: the web server, the Celery
    # worker and a second web worker must see one cache, or a count or a page part one of
    # them clears lives on in the others. (Rate limits do not count here: lib/ratelimit.py.)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Email: console by default; EMAIL_URL (smtp://user:pass@host:587/?tls=True) for real mail.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
globals().update(env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
# Links in emails and SMS point here.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A dotted path to a lib.sms.BaseSmsBackend; the default only logs.
SMS_BACKEND = env.str("SMS_BACKEND", default="lib.sms.LoggingSmsBackend")
# Where lib.sms.FileSmsBackend (the load test's) writes.
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(DATA_DIR / "sms.jsonl"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Letters sent from the app carry Reply-To reply+<token>@REPLY_DOMAIN, so that the answer
# comes back into the case; the MTA of this domain pipes it to `manage.py receive_mail`.
# Without it, the domain of the sender's address.
REPLY_DOMAIN = env.str("REPLY_DOMAIN", default="") or (
    email.utils.parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
)
# A sent letter links the evidence package for sharing; the link works this long (a
# lender has 15 days to answer, up to 30 when complex). Smaller packages go attached.
EVIDENCE_SHARE_LINK_DAYS = env.int("EVIDENCE_SHARE_LINK_DAYS", default=45)
ESCALATION_ATTACH_PACKAGE_MAX_BYTES = env.int("ESCALATION_ATTACH_PACKAGE_MAX_MB", default=5) * MB
# Inbound mail is hostile input: more than this is kept out of every case (the admin
# queue keeps its first bytes). Postfix's own message_size_limit is 10 MB by default.
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_MB", default=25) * MB

# Celery. Without REDIS_URL the broker is kombu's filesystem transport under DATA_DIR,
# so `make run` needs no server. Messages carry ids only, as JSON.
CELERY_BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # The transport puts its control folder in the current directory unless told.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
        # Longer than any task may run, so a slow task is not delivered twice.
        "visibility_timeout": 3600,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
if REDIS_URL:
    # With Redis, beat keeps its schedule there and holds a lock while it runs (RedBeat):
    # a second beat on another host waits for the lock instead of sending every job again,
    # and takes over within BEAT_LOCK_SECONDS when the first one dies.
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = env.str("REDBEAT_REDIS_URL", default=REDIS_URL)
    CELERY_REDBEAT_KEY_PREFIX = env.str("REDBEAT_KEY_PREFIX", default="redbeat")
    CELERY_REDBEAT_REDIS_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 5}
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_SECONDS", default=60)
    # The active beat renews its lock and the standby asks for it this often; a fifth of
    # the lock's life leaves four renewals to miss before the lock lapses.
    CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, CELERY_REDBEAT_LOCK_TIMEOUT // 5)
REMINDER_SWEEP_MINUTES = env.int("REMINDER_SWEEP_MINUTES", default=15)
# The reminder drain notes each message it sent in the cache, right after sending it, and
# writes "sent" to the database once per batch; whoever takes back the batch of a worker
# killed half way reads the notes and sends nothing twice. On with Redis, which every worker
# shares and which outlives them (it must not evict keys: the broker in it cannot either).
# Off without REDIS_URL: the file cache is one host's and culls entries when full, so a
# note could vanish; the marks are then written as NOTIFICATIONS_MARK_EVERY_SECONDS says.
NOTIFICATIONS_RECORD_SENDS = env.bool("NOTIFICATIONS_RECORD_SENDS", default=bool(REDIS_URL))
# Without those notes: how often the drain writes "sent", in seconds of sending. 0 marks
# each message as it goes (one UPDATE each): a worker killed mid-batch then sends nothing
# twice. More batches the marks (a few queries per 500 messages) at the price of repeating
# up to that many seconds of messages after a hard kill.
NOTIFICATIONS_MARK_EVERY_SECONDS = env.float("NOTIFICATIONS_MARK_EVERY_SECONDS", default=0.0)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "send-reminders": {
        "task": "notifications.tasks.sweep",
        "schedule": REMINDER_SWEEP_MINUTES * 60,
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": 6 * 60 * 60,
    },
    "process-stalled-evidence": {
        "task": "evidence.tasks.process_stalled_evidence",
        "schedule": 15 * 60,
    },
    # Deadlines end at 24:00 China time; an hourly sweep marks a late answer soon enough.
    # Profiles are recounted after each change; this catches what slipped past (admin edits).
    "recount-collectors": {
        "task": "cases.tasks.refresh_all_collectors",
        "schedule": 24 * 60 * 60,
    },
    # Numbers whose recount was asked for while the broker was down wait in their table.
    "recount-waiting-collectors": {
        "task": "cases.tasks.refresh_waiting_collectors",
        "schedule": 10 * 60,
    },
    "mark-overdue-escalations": {
        "task": "escalations.tasks.mark_overdue_escalations",
        "schedule": 60 * 60,
    },
    # Letters confirmed while the broker was down: their sending is queued again.
    "requeue-letter-emails": {
        "task": "escalations.tasks.requeue_letter_emails",
        "schedule": 10 * 60,
    },
}

# Security. Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# A tuple: SecurityMiddleware splits and strips a string again on every response.
SECURE_REFERRER_POLICY = ("same-origin",)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Off only for load tests over plain HTTP on the loopback (`make loadtest`).
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
X_FRAME_OPTIONS = "DENY"
# Django's default storage (cookie, then session), but building its cookie signer only when
# a page has messages: `make bench` found it a tenth of the middleware's cost per request.
MESSAGE_STORAGE = "lib.middleware.MessageStorage"

# Content Security Policy: everything from this site only, no inline script or style.
# Evidence downloads set their own, stricter policy (sandbox), which the middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws its form controls with data: SVG images.
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes): five failures lock that account from that address for
# a while; other addresses can still log in to it, so an attacker cannot lock a victim out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_key"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Rate limits: (per account, per address, window in seconds). Sign-up counts each SMS
# code sent, per number and per address.
RATE_LIMITS = {
    "signup": (5, env.int("RATE_LIMIT_SIGNUPS_PER_ADDRESS", default=10), 3600),
    "complaint_create": (20, env.int("RATE_LIMIT_COMPLAINTS_PER_ADDRESS", default=60), 3600),
    "upload": (300, env.int("RATE_LIMIT_UPLOADS_PER_ADDRESS", default=600), 3600),  # counted in files
    # Each may send a message: an SMS per sign-up code (the account is the number), an
    # email per reset (the account is the address typed).
    "password_reset": (5, env.int("RATE_LIMIT_PASSWORD_RESETS_PER_ADDRESS", default=10), 3600),
    # An SMS per code, like sign-up's: the account is the number typed.
    "password_reset_sms": (5, env.int("RATE_LIMIT_PASSWORD_RESETS_PER_ADDRESS", default=10), 3600),
    # The evidence package behind a link in a letter sent from the app: no account, and
    # up to a gigabyte a time. The account is the complaint: whoever holds its link.
    "shared_package": (20, env.int("RATE_LIMIT_SHARED_PACKAGES_PER_ADDRESS", default=30), 3600),
}
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
# Two-step login (TOTP): required for advocates and admins.
TWO_FACTOR_REQUIRED_FOR_CASEWORKERS = env.bool("TWO_FACTOR_REQUIRED_FOR_CASEWORKERS", default=True)
OTP_TOTP_ISSUER = "催收投诉"
# Advocates and admins see other people's cases: their sessions end after inactivity.
CASEWORKER_IDLE_TIMEOUT = timedelta(minutes=env.int("CASEWORKER_IDLE_MINUTES", default=30))

# The admin's address; production moves it away from the well-known /admin/.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every login at INFO, with masked names; failures stay visible at WARNING.
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates each rendering step at INFO; its warnings still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Set by the test suite's CI pass: a test that would skip for a missing service fails.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
# `make bench` turns this on: it routes the ceiling pages of bench/ (never on in production).
BENCHMARK = env.bool("BENCHMARK", default=False)

COMPLAINT_REFERENCE_LENGTH = 10
