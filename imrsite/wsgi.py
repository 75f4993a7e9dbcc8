"""WSGI entry point for gunicorn: ``gunicorn imrsite.wsgi``.

Each web process keeps its facet index current from a thread of its own. The web server never
starts the embedded database: an operator may have stopped it on purpose.
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

# The facet index is kept at the archive's version by a thread of this process, so that a request
# builds nothing (decisions.facets.IndexKeeper). Not with gunicorn --preload: threads do not survive
# the fork into workers.
from decisions.facets import keep_index_current  # noqa: E402 - needs the app loaded

keep_index_current()
