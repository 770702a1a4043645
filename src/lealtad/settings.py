"""Django settings, read once from ``LEALTAD_*`` environment variables.

Embedded by default: with nothing set, Lealtad keeps an SQLite file and a generated secret key
under ``LEALTAD_HOME`` (``./.lealtad``). ``LEALTAD_DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


LEALTAD_HOME = Path(os.environ.get("LEALTAD_HOME", ".lealtad")).resolve()
LEALTAD_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Keep a generated key across restarts so sessions and tokens survive them."""
    if key := os.environ.get("LEALTAD_SECRET_KEY"):
        return key
    path = LEALTAD_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _flag("LEALTAD_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("LEALTAD_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("LEALTAD_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lealtad.core",
    "lealtad.customers",
    "lealtad.channels",
    "lealtad.commerce",
    "lealtad.privacy",
    "lealtad.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lealtad.core.middleware.BodyLimitMiddleware",
    "lealtad.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lealtad.urls"
ASGI_APPLICATION = "lealtad.asgi.application"
WSGI_APPLICATION = "lealtad.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lealtad.web.context_processors.capabilities",
            ],
        },
    },
]

_default_db = f"sqlite:///{LEALTAD_HOME / 'lealtad.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LEALTAD_DATABASE_URL", _default_db), conn_max_age=600
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Durable SQLite: writers queue behind one another instead of failing, every commit is
    # on disk before it is acknowledged. The journal mode is set on connect (core.apps).
    # Connections persist (as for PostgreSQL): each server pool thread (lealtad.asgi) and
    # the dispatcher keep theirs, with its page cache, instead of reopening the file and
    # rerunning the PRAGMAs below on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("LEALTAD_CONN_MAX_AGE", "600"))
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
        ),
    }
    # Tests run on a real file, not SQLite's in-memory database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("LEALTAD_TEST_SQLITE", str(LEALTAD_HOME / "test.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = os.environ.get("LEALTAD_LANGUAGE", "es")
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LEALTAD_TIME_ZONE", "America/Guayaquil")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = LEALTAD_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Lealtad's own settings.
LEALTAD_DEFAULT_REGION = os.environ.get("LEALTAD_DEFAULT_REGION", "EC").upper()
LEALTAD_EMBEDDED_WORKERS = _flag("LEALTAD_EMBEDDED_WORKERS", True)
# Threads per server process running requests (lealtad.asgi); each keeps a DB connection.
LEALTAD_SERVER_THREADS = int(os.environ.get("LEALTAD_SERVER_THREADS", "8"))
LEALTAD_LOGIN_ATTEMPTS = int(os.environ.get("LEALTAD_LOGIN_ATTEMPTS", "5"))
LEALTAD_LOGIN_WINDOW_SECONDS = int(os.environ.get("LEALTAD_LOGIN_WINDOW_SECONDS", "300"))
LEALTAD_MAX_BATCH = 1000
# Request bodies (lealtad.core.body_limits), refused with 413 before they are read whole:
# most endpoints; an events or connector webhook batch; the customer CSV upload.
LEALTAD_MAX_BODY_BYTES = int(os.environ.get("LEALTAD_MAX_BODY_BYTES", str(1024 * 1024)))
LEALTAD_MAX_BATCH_BODY_BYTES = int(
    os.environ.get("LEALTAD_MAX_BATCH_BODY_BYTES", str(8 * 1024 * 1024))
)
LEALTAD_MAX_UPLOAD_BYTES = int(os.environ.get("LEALTAD_MAX_UPLOAD_BYTES", str(32 * 1024 * 1024)))
# Django's own cap on a non-file body must not undercut the limits above (it would answer 400).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(LEALTAD_MAX_BODY_BYTES, LEALTAD_MAX_BATCH_BODY_BYTES)
# Privacy (docs/privacy.md): days to answer a data-subject request (LOPDP: 15), and how often
# the dispatcher's ticker applies the retention policies that are switched on.
LEALTAD_PRIVACY_DUE_DAYS = int(os.environ.get("LEALTAD_PRIVACY_DUE_DAYS", "15"))
LEALTAD_RETENTION_EVERY_HOURS = float(os.environ.get("LEALTAD_RETENTION_EVERY_HOURS", "24"))
LEALTAD_CONNECTORS_DIR = Path(
    os.environ.get("LEALTAD_CONNECTORS_DIR", str(LEALTAD_HOME / "connectors"))
)
LEALTAD_CONNECTOR_DATA_DIR = Path(
    os.environ.get("LEALTAD_CONNECTOR_DATA_DIR", str(LEALTAD_HOME / "connector-data"))
)
LEALTAD_PAYMENT_GATEWAY = os.environ.get(
    "LEALTAD_PAYMENT_GATEWAY", "lealtad.commerce.gateway.TestGateway"
)
# Identity resolution: probabilistic matching at ingest, on by default but only once a model
# is trained (`lealtad identity train`); each serving process then keeps the base's blocking
# index in memory (docs/identity.md, "Real-time"). `false` keeps ingest deterministic.
LEALTAD_IDENTITY_REALTIME = _flag("LEALTAD_IDENTITY_REALTIME", True)
LEALTAD_IDENTITY_UPPER = float(os.environ.get("LEALTAD_IDENTITY_UPPER", "0.99"))
LEALTAD_IDENTITY_LOWER = float(os.environ.get("LEALTAD_IDENTITY_LOWER", "0.5"))
# Golden record on merge: rules in order, then sources from most to least trusted.
LEALTAD_SURVIVORSHIP_RULES = os.environ.get(
    "LEALTAD_SURVIVORSHIP_RULES", "trusted_source,most_recent"
).split(",")
LEALTAD_SURVIVORSHIP_SOURCES = os.environ.get(
    "LEALTAD_SURVIVORSHIP_SOURCES",
    "call_center,pos,handheld,field,web,mobile,kiosk,email,ivr,partner,fax,mail",
).split(",")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LEALTAD_LOG_LEVEL", "WARNING")},
}
