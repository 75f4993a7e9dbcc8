"""The web entry point's guard: a clear 503 page while the embedded server is stopped.

The web services never start the embedded server (an operator may have stopped it on purpose),
so without this guard a request would end in a generic server error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from imrsite.embedded.server import EmbeddedServer

logger = logging.getLogger("imrsite.embedded")

RETRY_AFTER_SECONDS = 5
STOPPED_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Archive unavailable</title></head>
<body><h1>The archive is unavailable</h1>
<p>Its database is not running. Please try again in a moment.</p></body></html>
"""

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def unavailable_while_stopped(application: WSGIApplication, database: dict[str, Any]) -> WSGIApplication:
    """Wrap ``application`` to answer 503 while the embedded server of ``database`` is stopped."""
    if database.get("ENGINE") != "imrsite.embedded":
        return application
    server = EmbeddedServer(Path(database["EMBEDDED_DATA_DIR"]))
    was_running = True

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        nonlocal was_running
        running = server.is_running()  # a pid file read and a stat: microseconds
        if running != was_running:
            was_running = running
            logger.warning("the embedded PostgreSQL server in %s is %s", server.pgdata, "back" if running else "stopped")
        if running:
            return application(environ, start_response)
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(STOPPED_PAGE))),
                ("Retry-After", str(RETRY_AFTER_SECONDS)),
                ("Cache-Control", "no-store"),
            ],
        )
        return [STOPPED_PAGE]

    return guarded
