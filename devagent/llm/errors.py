"""The model layer's exception tree; provider SDK errors are translated into it at the boundary.

    ModelError                      any failure to get a completion
    ├── AuthenticationError         the provider rejected the key (401/403); never retried
    ├── ModelNotFoundError          the provider does not know the model (404)
    ├── ContextOverflowError        the prompt does not fit the context window: compact and retry
    ├── BadModelRequestError        any other 4xx: the request itself is wrong
    ├── BadResponseError            a 2xx whose body is not the provider's JSON (wrong base URL?)
    ├── TransientModelError         worth retrying; raised as-is once the retry bound is reached
    │   ├── RateLimitError          429 (and Anthropic's 529 "overloaded")
    │   └── ProviderUnavailableError  5xx, connection refused or reset, timeout
    ├── ModelCancelledError         the stop flag was set while waiting (Ctrl-C); never retried
    ├── ModelDeadlineError          the run's time budget ran out before an answer; never retried
    ├── ModelConfigError            no model configured, unknown spec, missing key
    └── ScriptError                 a scripted or replayed model ran out or saw the unexpected

No message ever contains an API key: provider text is passed through `redact` first.
"""

from __future__ import annotations

from collections.abc import Iterable

from devagent.errors import DevagentError


class ModelError(DevagentError):
    """Base of every error the model layer raises."""


class AuthenticationError(ModelError):
    hint = "check the API key for this provider (it is read from the environment or config)"


class ModelNotFoundError(ModelError):
    hint = "check the model name after the provider prefix, e.g. openai:gpt-4.1"


class ContextOverflowError(ModelError):
    """The request exceeds the model's context window. The loop may compact and try again."""

    hint = "the conversation is longer than the model's context window"


class BadModelRequestError(ModelError):
    """The provider rejected the request as malformed (a 4xx other than the ones above)."""


class BadResponseError(ModelError):
    """The server answered, but not in the provider's response shape."""

    hint = "check --base-url: it should be the API root, e.g. http://localhost:8000/v1"


class TransientModelError(ModelError):
    """A failure that may pass: retried with backoff. `retry_after` is the provider's hint (s)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimitError(TransientModelError):
    hint = "the provider is rate limiting: wait, lower concurrency, or raise your quota"


class ProviderUnavailableError(TransientModelError):
    hint = "the provider or local server is unreachable or failing; is the server running?"


class ModelCancelledError(ModelError):
    """The request was abandoned because the run is stopping (`CallLimits.stop`)."""


class ModelDeadlineError(ModelError):
    """The request had no answer by the run's deadline (`CallLimits.deadline`)."""

    hint = "the time budget (--max-time) ran out while the model was answering"


class ModelConfigError(ModelError):
    """The model cannot be built from the given spec and settings."""


class ScriptError(ModelError):
    """A scripted or replayed model has no reply left, or was sent what it did not expect."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every non-trivial secret replaced by '***'."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
