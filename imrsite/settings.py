"""Settings for the IMR decision archive, read from the environment (see README § Configuration).

Two modes:
- local: DATABASE_URL unset. An embedded PostgreSQL under IMR_DATA_DIR is used, and a random
  secret key is generated once into IMR_DATA_DIR when DJANGO_SECRET_KEY is unset.
- production: DATABASE_URL set and DJANGO_DEBUG off. DJANGO_SECRET_KEY must be a real secret.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url
from django.core.checks.security.base import SECRET_KEY_INSECURE_PREFIX, SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS
from django.core.exceptions import ImproperlyConfigured

from imrsite.embedded.server import EmbeddedServer
from imrsite.env import email_url, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", False)
DATA_DIR = Path(envstr("IMR_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATABASE_URL = envstr("DATABASE_URL")
EMBEDDED_DATABASE = not DATABASE_URL
# The facet index's compiled counting loops (decisions/kernels.py) are cached in the data folder,
# which the archive can always write (numba would otherwise need the code's folder or a home folder
# to be writable, and refuse to import without either). Read by numba when it is first imported.
os.environ.setdefault("NUMBA_CACHE_DIR", str(DATA_DIR / "numba-cache"))
PRODUCTION = not EMBEDDED_DATABASE and not DEBUG


def _secret_key() -> str:
    key = envstr("DJANGO_SECRET_KEY")
    if key:
        if PRODUCTION:
            _refuse_a_weak_key(key)
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production (DATABASE_URL set, DJANGO_DEBUG off)")
    return _local_secret_key()


def _refuse_a_weak_key(key: str) -> None:
    """The rules of Django's own deploy check (security.W009), enforced: a weak key fails the start."""
    if key.startswith(SECRET_KEY_INSECURE_PREFIX) or len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too short or a default key: use at least {SECRET_KEY_MIN_LENGTH} random characters in production"
        )
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} distinct characters: use a random secret in production"
        )


def _local_secret_key() -> str:
    """A random key kept in the data folder, so sessions survive restarts of a local archive."""
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


def _database() -> dict[str, object]:
    if EMBEDDED_DATABASE:
        return EmbeddedServer(DATA_DIR).connection_settings()
    try:
        config = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must point to PostgreSQL, got engine {config.get('ENGINE')!r}")
    return dict(config)


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names in production")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "decisions",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "imrsite.security.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "imrsite.security.RefuseNulBytes",
    "decisions.middleware.CountsNotReady",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Sent on every response by imrsite.security.ContentSecurityPolicy: only this site's own files, no
# inline script or style, no framing. (No object-src 'none': default-src 'self' already limits
# plugins to this site, and Chrome shows an original PDF inline through one.)
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The first path prefix that matches gives the whole policy. Under /api/ the third-party pages (DRF's
# browsable API, the Swagger UI of /api/docs/) carry inline styles and data: icons; scripts stay 'self'.
CONTENT_SECURITY_POLICY_EXCEPTIONS: dict[str, dict[str, list[str]]] = {
    "/api/": {
        **CONTENT_SECURITY_POLICY,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
    },
}

ROOT_URLCONF = "imrsite.urls"
WSGI_APPLICATION = "imrsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (accounts/): the e-mail address is the user name; sign-in and sign-out pages of our own.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:searches"
LOGOUT_REDIRECT_URL = "decisions:list"
PASSWORD_RESET_TIMEOUT = envint("IMR_ACCOUNT_LINK_HOURS", 72, minimum=1) * 3600  # reset and sign-up links
# Sign-up, sign-in and password reset: attempts per client address and per e-mail address, counted in
# the shared cache table like the API's throttle (decisions/throttling.py).
IMR_ACCOUNT_RATE = envstr("IMR_ACCOUNT_RATE", "20/hour")
# The site's address as e-mails link to it (alerts are sent by a command, outside any request).
IMR_SITE_URL = envstr("IMR_SITE_URL", f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")


def _email() -> dict[str, object]:
    """SMTP from EMAIL_URL, else from DJANGO_EMAIL_HOST and its companions, else files under IMR_DATA_DIR/mail/."""
    from_url = email_url("EMAIL_URL")
    if from_url:
        return from_url
    host = envstr("DJANGO_EMAIL_HOST")
    if host:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": host,
            "EMAIL_PORT": envint("DJANGO_EMAIL_PORT", 25, minimum=1),
            "EMAIL_HOST_USER": envstr("DJANGO_EMAIL_HOST_USER"),
            "EMAIL_HOST_PASSWORD": envstr("DJANGO_EMAIL_HOST_PASSWORD"),
            "EMAIL_USE_TLS": envbool("DJANGO_EMAIL_USE_TLS", False),
            "EMAIL_USE_SSL": envbool("DJANGO_EMAIL_USE_SSL", False),
        }
    return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(DATA_DIR / "mail")}


_MAIL = _email()
EMAIL_BACKEND = str(_MAIL["EMAIL_BACKEND"])
EMAIL_FILE_PATH = str(_MAIL.get("EMAIL_FILE_PATH", DATA_DIR / "mail"))
EMAIL_HOST = str(_MAIL.get("EMAIL_HOST", "localhost"))
EMAIL_PORT = int(str(_MAIL.get("EMAIL_PORT", 25)))
EMAIL_HOST_USER = str(_MAIL.get("EMAIL_HOST_USER", ""))
EMAIL_HOST_PASSWORD = str(_MAIL.get("EMAIL_HOST_PASSWORD", ""))
EMAIL_USE_TLS = bool(_MAIL.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_MAIL.get("EMAIL_USE_SSL", False))
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL cannot both be on: choose STARTTLS or TLS")
EMAIL_TIMEOUT = envint("DJANGO_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DJANGO_DEFAULT_FROM_EMAIL", "IMR decision archive <noreply@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Los_Angeles"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Without a collectstatic step (quickstart, tests) whitenoise serves straight from the finders,
# so a missing STATIC_ROOT is expected there.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at: ")
STORAGES = {
    "default": {
        "BACKEND": "decisions.storage.ContentAddressedStorage",
        "OPTIONS": {"location": str(DATA_DIR / "documents"), "base_url": "/documents/"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: limits with clear messages (decisions/upload.py).
IMR_MAX_FILE_BYTES = envint("IMR_MAX_FILE_MB", 20, minimum=1) * 1024 * 1024
IMR_MAX_ZIP_BYTES = envint("IMR_MAX_ZIP_MB", 200, minimum=1) * 1024 * 1024
# A zip may expand to at most this much, with at most this many entries and this compression ratio.
IMR_ZIP_MAX_TOTAL_BYTES = envint("IMR_ZIP_MAX_TOTAL_MB", 10 * IMR_MAX_ZIP_BYTES // (1024 * 1024), minimum=1) * 1024 * 1024
IMR_ZIP_MAX_ENTRIES = envint("IMR_ZIP_MAX_ENTRIES", 100_000, minimum=1)
IMR_ZIP_MAX_RATIO = envint("IMR_ZIP_MAX_RATIO", 100, minimum=1)
IMR_UPLOAD_STAGING_DIR = DATA_DIR / "uploads"
# A letter whose parse takes longer fails alone with that reason (0: no limit; parsed in-process).
IMR_PARSE_TIMEOUT_SECONDS = envint("IMR_PARSE_TIMEOUT_SECONDS", 60, minimum=0)
# How long a web request waits for its process's facet index to reach the archive's version
# before it answers 503 (retry) rather than show counts of another version.
IMR_INDEX_WAIT_SECONDS = envint("IMR_INDEX_WAIT_SECONDS", 30, minimum=1)
# Where the facet index is written once per machine and memory-mapped by every process
# (decisions/shared_index.py); empty: each process reads and holds its own copy.
IMR_INDEX_DIR = envstr("IMR_INDEX_DIR", str(DATA_DIR / "index"))
# The word index (decisions/word_index.py): tantivy over PostgreSQL's own lexemes matches a search's
# words; `index_words --follow` keeps it current per machine. "off": PostgreSQL matches them.
IMR_WORD_INDEX = envbool("IMR_WORD_INDEX", True)
IMR_WORD_INDEX_DIR = Path(envstr("IMR_WORD_INDEX_DIR", str(DATA_DIR / "word-index"))).resolve()
# Each process remembers the word matches of its latest searches (per archive version) up to this
# many megabytes: clicking a facet or a page of the same words does not match them again.
IMR_WORD_MEMORY_MB = envint("IMR_WORD_MEMORY_MB", 64, minimum=0)
# A lexeme at least this many (and 1/128 of the) letters or items hold is kept as a bit set with the
# word index (decisions/word_bits.py): its matches are read as one array, not hit by hit.
IMR_WORD_BITS_MIN_DOCS = envint("IMR_WORD_BITS_MIN_DOCS", 2_000, minimum=1)
# Build a RAM index per archive version through the process's own connection instead (tests: it sees
# their uncommitted rows).
IMR_WORD_INDEX_IN_PROCESS = envbool("IMR_WORD_INDEX_IN_PROCESS", False)
# The live CSV export (/decisions/export.csv) holds at most this many rows (the whole archive is a
# bulk download, /downloads/), read this many letters at a time.
IMR_EXPORT_MAX_ROWS = envint("IMR_EXPORT_MAX_ROWS", 100_000, minimum=1)
IMR_EXPORT_CHUNK_LETTERS = envint("IMR_EXPORT_CHUNK_LETTERS", 1000, minimum=1)
# Bulk files of the whole archive (decisions/downloads.py): where they are written, how many builds
# are kept, and how many letters / items are read at a time while building.
IMR_DOWNLOADS_DIR = DATA_DIR / "downloads"
IMR_DOWNLOADS_KEEP = envint("IMR_DOWNLOADS_KEEP", 3, minimum=1)
IMR_DOWNLOADS_CHUNK_LETTERS = envint("IMR_DOWNLOADS_CHUNK_LETTERS", 500, minimum=1)
IMR_DOWNLOADS_CHUNK_ITEMS = envint("IMR_DOWNLOADS_CHUNK_ITEMS", 2000, minimum=1)
# Behind nginx: the URL prefix of an `internal` location serving IMR_DOWNLOADS_DIR; the site then
# answers a download with X-Accel-Redirect and nginx sends the file (empty: Django sends it).
IMR_DOWNLOADS_ACCEL_REDIRECT = envstr("IMR_DOWNLOADS_ACCEL_REDIRECT")
DATA_UPLOAD_MAX_NUMBER_FILES = envint("IMR_MAX_UPLOAD_FILES", 1000, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# One cache for every process and machine: a table in the archive's own database (created by
# migration decisions 0011). The API's throttle counts clients' requests in it (decisions/throttling.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "imr_cache",
        # Beyond this many rows a write first deletes expired ones (then a third of the rest): room for
        # every client of a busy minute, so their counts are not dropped early.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": ["decisions.throttling.SharedAnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": envstr("IMR_API_ANON_RATE", "120/minute")},
    # Clients are told apart by the address that connected, unless that is one of this many
    # trusted proxies in front (then X-Forwarded-For names the client); a client cannot choose it.
    "NUM_PROXIES": envint("IMR_TRUSTED_PROXIES", 0),
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IMR decision archive API",
    "DESCRIPTION": "California workers' compensation Independent Medical Review final determinations.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
