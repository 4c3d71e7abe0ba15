"""Logging set-up, on stderr: rich on a terminal, plain lines when redirected, one JSON object
per line with --log-json."""

from __future__ import annotations

import json
import logging
import sys

from rich.console import Console
from rich.logging import RichHandler


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class PlainFormatter(logging.Formatter):
    """`warning: message` (the logger's name too with --verbose)."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(*, verbose: bool = False, quiet: bool = False, json_lines: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    handler: logging.Handler
    if json_lines:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    elif sys.stderr.isatty():
        console = Console(stderr=True, soft_wrap=True, highlight=False)
        handler = RichHandler(
            console=console, show_path=verbose, rich_tracebacks=verbose, markup=False
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:  # redirected: plain lines, never wrapped
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(PlainFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if not verbose:
        for noisy in ("urllib3", "docker", "httpx", "httpcore", "git"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
