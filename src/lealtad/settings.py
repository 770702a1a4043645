"""Django settings, read once from ``LEALTAD_*`` environment variables.

Embedded by default: with nothing set, Lealtad keeps an SQLite file and a generated secret key
under ``LEALTAD_HOME`` (``./.lealtad``). ``LEALTAD_DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# Everything Lealtad writes holds personal data or keys to it (the SQLite file and its -wal
# and -shm, the secret key, exports, connector folders): owner-only, whatever the shell's umask.
os.umask(0o077)
LEALTAD_HOME = Path(os.environ.get("LEALTAD_HOME", ".lealtad")).resolve()
LEALTAD_HOME.mkdir(parents=True, exist_ok=True)
LEALTAD_HOME.chmod(0o700)


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
# Host names this server answers for. Unset, only this machine's own names: a server reachable
# from elsewhere must name its hosts, and `*` (any Host header) is refused.
_LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("LEALTAD_ALLOWED_HOSTS", "").split(",") if h.strip()
] or _LOCAL_HOSTS
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("LEALTAD_ALLOWED_HOSTS may not contain '*': name the hosts")
# HTTPS: on by default as soon as the server answers for a name other than this machine's, so
# a deployment gets secure cookies, HSTS and the redirect without asking. Behind a proxy that
# terminates TLS, LEALTAD_PROXY_SSL_HEADER names the header it sets (X-Forwarded-Proto).
LEALTAD_HTTPS = _flag("LEALTAD_HTTPS", any(h not in _LOCAL_HOSTS for h in ALLOWED_HOSTS))
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LEALTAD_HTTPS
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = _flag("LEALTAD_SSL_REDIRECT", LEALTAD_HTTPS)
SECURE_HSTS_SECONDS = int(
    os.environ.get("LEALTAD_HSTS_SECONDS", "31536000" if LEALTAD_HTTPS else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("LEALTAD_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _flag("LEALTAD_HSTS_PRELOAD", True)
if _proxy_header := os.environ.get("LEALTAD_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_header.upper().replace("-", "_"),
        os.environ.get("LEALTAD_PROXY_SSL_VALUE", "https"),
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Proxies whose X-Forwarded-For is believed (CIDRs); none by default.
LEALTAD_TRUSTED_PROXIES = tuple(
    ipaddress.ip_network(n.strip(), strict=False)
    for n in os.environ.get("LEALTAD_TRUSTED_PROXIES", "").split(",")
    if n.strip()
)
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("LEALTAD_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "lealtad.accounts.apps.LealtadAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "lealtad.accounts.apps.AuthenticatorsConfig",  # django_otp.plugins.otp_totp, named
    # django-ninja's templates and static files: the API docs (Swagger UI) are served from
    # Lealtad itself, not from a CDN, so they work offline and under the CSP.
    "ninja",
    "lealtad.core",
    "lealtad.customers",
    "lealtad.channels",
    "lealtad.commerce",
    "lealtad.privacy",
    "lealtad.analytics",
    "lealtad.contactcenter",
    "lealtad.service",
    "lealtad.marketing",
    "lealtad.loyalty",
    "lealtad.sales",
    "lealtad.web",
    "lealtad.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "lealtad.core.security_headers.NoStoreMiddleware",
    "lealtad.core.middleware.BodyLimitMiddleware",
    "lealtad.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lealtad.accounts.middleware.RequireTwoFactorMiddleware",
    "lealtad.accounts.middleware.SignInLockoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lealtad.core.refusals.RefusalMiddleware",  # a service refusal no view handled: a page
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
# The throttle answers first, for every login form (lealtad.accounts.backends).
AUTHENTICATION_BACKENDS = [
    "lealtad.accounts.backends.ThrottledSignInBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OTP_TOTP_ISSUER = os.environ.get("LEALTAD_OTP_ISSUER", "Lealtad")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
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

# Content-Security-Policy: scripts and styles only from Lealtad's own static files, no inline
# code (templates carry none; htmx's indicator style is in lealtad.css, see base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Lealtad's own settings.
LEALTAD_DEFAULT_REGION = os.environ.get("LEALTAD_DEFAULT_REGION", "EC").upper()
LEALTAD_EMBEDDED_WORKERS = _flag("LEALTAD_EMBEDDED_WORKERS", True)
# The outbox relay to Redis Streams (docs/streams.md): on when a URL is set. Every outbox
# message is also added to one stream, trimmed to about MAXLEN entries (at least 1,000, so the
# relay can always recognise the last messages it published before a crash).
LEALTAD_REDIS_URL = os.environ.get("LEALTAD_REDIS_URL", "").strip()
LEALTAD_REDIS_STREAM = os.environ.get("LEALTAD_REDIS_STREAM", "lealtad:events").strip()
LEALTAD_REDIS_STREAM_MAXLEN = int(os.environ.get("LEALTAD_REDIS_STREAM_MAXLEN", "1000000"))
if LEALTAD_REDIS_STREAM_MAXLEN < 1000:
    raise ImproperlyConfigured("LEALTAD_REDIS_STREAM_MAXLEN must be at least 1000")
if not LEALTAD_REDIS_STREAM:
    raise ImproperlyConfigured("LEALTAD_REDIS_STREAM may not be empty")
# Threads per server process running requests (lealtad.asgi); each keeps a DB connection.
LEALTAD_SERVER_THREADS = int(os.environ.get("LEALTAD_SERVER_THREADS", "8"))
LEALTAD_LOGIN_ATTEMPTS = int(os.environ.get("LEALTAD_LOGIN_ATTEMPTS", "5"))
LEALTAD_LOGIN_WINDOW_SECONDS = int(os.environ.get("LEALTAD_LOGIN_WINDOW_SECONDS", "300"))
LEALTAD_LOGIN_ADDRESS_ATTEMPTS = int(os.environ.get("LEALTAD_LOGIN_ADDRESS_ATTEMPTS", "20"))
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

# Analytics (docs/analytics-value.md): the nightly refresh runs on the dispatcher's ticker
# once a day after this hour (server's local time), unless switched off.
LEALTAD_ANALYTICS_NIGHTLY = _flag("LEALTAD_ANALYTICS_NIGHTLY", True)
LEALTAD_ANALYTICS_HOUR = int(os.environ.get("LEALTAD_ANALYTICS_HOUR", "2"))
# Between full exports the cube's facts follow the hub's events; a full export still runs
# this often, so that rows written without an event (a bulk load) reach the cube.
LEALTAD_ANALYTICS_FULL_EXPORT_DAYS = float(
    os.environ.get("LEALTAD_ANALYTICS_FULL_EXPORT_DAYS", "7")
)

# Live screens over Server-Sent Events (core/live.py): open streams a worker serves before it
# answers 503, a heartbeat comment this often, a stream's longest life (the browser then
# reconnects where it was) and the reconnection delay the browser is told.
LEALTAD_LIVE_MAX_STREAMS = int(os.environ.get("LEALTAD_LIVE_MAX_STREAMS", "1000"))
LEALTAD_LIVE_HEARTBEAT = float(os.environ.get("LEALTAD_LIVE_HEARTBEAT", "15"))
LEALTAD_LIVE_MAX_AGE = float(os.environ.get("LEALTAD_LIVE_MAX_AGE", "600"))
LEALTAD_LIVE_RETRY_MS = int(os.environ.get("LEALTAD_LIVE_RETRY_MS", "2000"))

# Outgoing mail (campaigns, surveys, the portal): the SMTP relay, read from the environment.
EMAIL_HOST = os.environ.get("LEALTAD_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LEALTAD_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LEALTAD_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LEALTAD_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _flag("LEALTAD_SMTP_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("LEALTAD_MAIL_FROM", "noreply@localhost")
# Campaigns: the sender's address, the domain of Message-IDs, SMTP connections per sender,
# the SMS gateway class (a simulated one by default) and the call lists' queue.
LEALTAD_CAMPAIGN_FROM = os.environ.get("LEALTAD_CAMPAIGN_FROM", "")
LEALTAD_MAIL_DOMAIN = os.environ.get("LEALTAD_MAIL_DOMAIN", "lealtad.localhost")
LEALTAD_CAMPAIGN_SMTP_CONNECTIONS = int(os.environ.get("LEALTAD_CAMPAIGN_SMTP_CONNECTIONS", "4"))
LEALTAD_SMS_GATEWAY = os.environ.get(
    "LEALTAD_SMS_GATEWAY", "lealtad.marketing.channels.sms.SimulatedGateway"
)
LEALTAD_CAMPAIGN_CALL_QUEUE = os.environ.get("LEALTAD_CAMPAIGN_CALL_QUEUE", "")

# Sales quotes: a seller's discount (percent of the subtotal, beyond the promotions in force)
# above which a sales manager approves the quote before it can be sent.
LEALTAD_SALES_QUOTE_APPROVAL_LIMIT = os.environ.get("LEALTAD_SALES_QUOTE_APPROVAL_LIMIT", "10")
