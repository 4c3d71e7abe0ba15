"""The Client: builds requests, sends them through a transport, retries."""

from __future__ import annotations

import json as jsonlib
import time
from typing import Any, Callable

from .models import Request, Response
from .retry import RetryPolicy
from .transport import Transport


class Client:
    def __init__(
        self,
        base_url: str,
        transport: Transport,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.transport = transport
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def _build(self, method: str, path: str, json: Any, headers: dict[str, str] | None) -> Request:
        all_headers = {"Accept": "application/json", **(headers or {})}
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers["Content-Type"] = "application/json"
        return Request(method.upper(), f"{self.base_url}/{path.lstrip('/')}", all_headers, body)

    def request(
        self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        request = self._build(method, path, json, headers)
        attempt = 1
        while True:
            response = self.transport.send(request)
            if not self.retry.should_retry(request, response, attempt):
                return response
            self._sleep(self.retry.delay(response, attempt))
            attempt += 1
