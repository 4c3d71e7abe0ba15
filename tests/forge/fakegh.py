"""Serve a `FakeGitHub` over real HTTP with pytest-httpserver (helpers for the forge tests)."""

from __future__ import annotations

import json
import re

from werkzeug import Request, Response

from devagent.forge.fake import FakeGitHub

TOKEN = "ghp_NeverShowThisToken0123456789"


def serve(httpserver, fake: FakeGitHub) -> str:
    """Route every request on `httpserver` to `fake`; return the base URL."""

    def handler(request: Request) -> Response:
        status, data = fake.handle(
            request.method,
            request.path,
            dict(request.args),
            dict(request.headers),
            request.get_data(),
        )
        return Response(json.dumps(data), status, mimetype="application/json")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    return httpserver.url_for("").rstrip("/")
