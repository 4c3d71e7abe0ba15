"""Render the Jinja2 prompt templates in `prompts/`; a missing variable is an error."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_DIR = Path(__file__).parent / "prompts"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, /, **variables: Any) -> str:
    """Render `prompts/<name>` (e.g. 'system.j2'); raises `jinja2.UndefinedError` on a gap."""
    return _environment().get_template(template).render(**variables).strip()
