"""HTTP client with pluggable transports and retries."""

from .client import Client
from .models import Request, Response
from .retry import RetryPolicy
from .transport import FakeTransport, Transport

__all__ = ["Client", "FakeTransport", "Request", "Response", "RetryPolicy", "Transport"]
