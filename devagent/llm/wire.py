"""Model requests sent with httpx2 (the SDKs' own HTTP library) while a provider's SDK imports.

The OpenAI SDK takes about 0.9 s to import and Anthropic's about 2.3 s, most of it building
pydantic types; a run is ready to send its first request sooner than that. Until the SDK is
loaded (`SdkClient`), a request goes out here instead: the same JSON body to the same URL with
the headers the SDK would send for it, and the answer parsed into a `Reply` that the model reads
exactly as it reads the SDK's response object. Failures map onto the same model errors (the
same `translate_*` functions), so the retrier treats both paths alike."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devagent.background import in_background
from devagent.llm.errors import BadResponseError
from devagent.llm.limits import CallLimits, request_timeout
from devagent.llm.translate import translate_connection, translate_status

if TYPE_CHECKING:
    import httpx2


class Reply(dict[str, Any]):
    """A JSON object read like an SDK response: `reply.choices[0].message.content`. A missing
    field reads as None (the SDK's models default them so); nested objects are Replies; it stays
    a dict (`json.dumps(block.input)` works as on the SDK's dicts)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return as_reply(self.get(name))


def as_reply(value: Any) -> Any:
    """`value` with its JSON objects as `Reply`s, lists item by item."""
    if isinstance(value, dict) and not isinstance(value, Reply):
        return Reply(value)
    if isinstance(value, list):
        return [as_reply(item) for item in value]
    return value


DetailOf = Callable[[Any], str]
"""The provider's error text from its parsed error body (empty when it has none)."""


@dataclass(frozen=True)
class WireEndpoint:
    """Where a provider's requests go and what they carry; `headers` hold the key (never
    printed: left out of the repr)."""

    url: str
    """The full POST URL ('https://api.openai.com/v1/chat/completions')."""
    base_url: str
    """The client's base URL, as connection errors name it."""
    headers: Mapping[str, str] = field(repr=False)
    timeout_s: float
    detail_of: DetailOf = field(repr=False)
    reply_field: str = "choices"
    """A field every good answer has; an answer without it is not this API's."""
    api: str = "Chat Completions"
    """The API's name, as errors say it."""


class Wire:
    """Sends requests to one endpoint over one httpx2 client, made on first use or ahead of it
    (`warm`: its transport's imports take about 0.15 s)."""

    def __init__(self, endpoint: WireEndpoint) -> None:
        self.endpoint = endpoint
        self._client: httpx2.Client | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Make the HTTP client on a daemon thread now (the run waits on git and Docker)."""
        in_background(self._http)

    def _http(self) -> httpx2.Client:
        with self._lock:
            if self._client is None:
                import httpx2  # the SDKs' HTTP library; the CLI may have loaded it

                self._client = httpx2.Client(timeout=self.endpoint.timeout_s, follow_redirects=True)
            return self._client

    def post(
        self,
        body: dict[str, Any],
        limits: CallLimits,
        *,
        where: str,
        secrets: tuple[str, ...] = (),
        on_sent: Callable[[], None] = lambda: None,
    ) -> Reply:
        """POST `body` as JSON (within the endpoint's timeout, or the time `limits` leave if
        that is shorter, as the SDK's request would be); the answer as a Reply, or the model
        error the SDK's failure would have been translated to (HTTP status, no answer, not
        JSON, not this API's answer). `on_sent` is called once the request is out (or has
        failed): the time to start what would have slowed its sending."""
        import httpx2

        endpoint = self.endpoint
        timeout_s = request_timeout(endpoint.timeout_s, limits).get("timeout", endpoint.timeout_s)
        sent = _Once(on_sent)
        try:
            response = self._http().post(
                endpoint.url,
                json=body,
                headers=dict(endpoint.headers),
                timeout=timeout_s,
                extensions={"trace": sent.on_trace},
            )
            text = response.text
        except httpx2.TimeoutException as exc:
            raise translate_connection(where, endpoint.base_url, timed_out=True) from exc
        except (httpx2.HTTPError, OSError) as exc:
            raise translate_connection(where, endpoint.base_url, timed_out=False) from exc
        finally:
            sent()
        if not response.is_success:
            parsed = _json_or_none(text)
            shown = text.strip() if parsed is None else parsed
            fallback = f"Error code: {response.status_code}" + (f" - {shown}" if shown else "")
            detail = endpoint.detail_of(parsed) or fallback
            raise translate_status(
                response.status_code, detail, dict(response.headers), where=where, secrets=secrets
            )
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadResponseError(f"{where}: the response is not valid JSON") from exc
        if not isinstance(data, dict) or endpoint.reply_field not in data:
            raise BadResponseError(f"{where}: the response is not a {endpoint.api} reply")
        return Reply(data)


class _Once:
    """Calls `fn` once: when the request's body has been written, or when asked to."""

    def __init__(self, fn: Callable[[], None]) -> None:
        self._fn: Callable[[], None] | None = fn

    def on_trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith("send_request_body.complete"):
            self()

    def __call__(self) -> None:
        fn, self._fn = self._fn, None
        if fn is not None:
            fn()


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
