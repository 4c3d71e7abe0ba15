"""When to retry and how long to wait."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Request, Response


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_s: float = 0.5
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def should_retry(self, request: Request, response: Response, attempt: int) -> bool:
        return attempt < self.max_attempts and response.status in self.retry_statuses

    def delay(self, response: Response, attempt: int) -> float:
        return self.backoff_s * (2 ** (attempt - 1))
