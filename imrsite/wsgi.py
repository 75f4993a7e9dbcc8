"""WSGI entry point for gunicorn: ``gunicorn imrsite.wsgi``.

The web server never starts the embedded database: an operator may have stopped it on purpose.
While it is stopped every request gets a 503 page at once.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from imrsite.embedded.server import refuse_to_start
from imrsite.embedded.web import unavailable_while_stopped

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")
refuse_to_start()

application = unavailable_while_stopped(get_wsgi_application(), settings.DATABASES["default"])
