"""Settings for the test suite: the project's settings with test-only secrets and a temp file store."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + "k" * 48)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Letters are parsed in the test process; the tests of the time limit (a parser child process
# per process that parses) set a limit themselves, and the commands they run end that child.
os.environ.setdefault("IMR_PARSE_TIMEOUT_SECONDS", "0")
# Every search of the suite matches its words with the word index, built in RAM per archive version.
os.environ.setdefault("IMR_WORD_INDEX_IN_PROCESS", "1")
# A lexeme two of the letters (or items) hold is kept as bits: both ways of matching words run.
os.environ.setdefault("IMR_WORD_BITS_MIN_DOCS", "2")

from imrsite.settings import *  # noqa: E402,F403
from imrsite.settings import STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "decisions.storage.ContentAddressedStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="imr-test-documents-"), "base_url": "/documents/"},
    },
}
# The facet index's snapshots (decisions/shared_index.py) of the test databases: apart from the checkout's.
IMR_INDEX_DIR = tempfile.mkdtemp(prefix="imr-test-index-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute"}}  # noqa: F405
# The suite also runs with DATABASE_URL set (production mode); the browser tests use plain http.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
