"""The page shell: one HTML file with its styles inline, text escaped, long parts folded.

Pages build their body from `Markup` pieces (`esc`, `tag`, `fold`) and hand it to `write_page`;
the shell's Content-Security-Policy forbids every request, so a page that renders at all renders
offline. Pure except `write_page`, which writes the file (a file cut short is removed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

__all__ = ["Markup", "esc", "excerpt", "fold", "join", "page", "tag", "write_page"]

EXCERPT_CHARS = 600
"""An observation longer than this (or than `EXCERPT_LINES`) shows its start and folds the rest."""
EXCERPT_LINES = 12
WHOLE_CHARS = 20_000
"""The folded whole of a text stops here (the trajectory keeps all of it): a page stays light."""


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("devagent.pages", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("base.html.j2")


def esc(text: object) -> Markup:
    """`text` as HTML text: `<`, `&` and quotes escaped."""
    return escape(str(text))


def join(parts: Iterable[Markup | str], sep: str = "") -> Markup:
    """Pieces one after another; plain strings among them are escaped."""
    return Markup(sep).join(escape(p) for p in parts)


def tag(name: str, content: Markup | str = "", **attrs: object) -> Markup:
    """`<name attrs>content</name>`; `cls=` gives the class; content and values are escaped
    unless they are `Markup`. (Plain concatenation: `Markup.format` is ten times slower.)"""
    rendered = "".join(
        _attr("class" if key == "cls" else key.replace("_", "-"), value)
        for key, value in attrs.items()
        if value is not None and value is not False
    )
    return Markup(f"<{name}{rendered}>{escape(content)}</{name}>")


def _attr(name: str, value: object) -> str:
    return f" {name}" if value is True else f' {name}="{escape(value)}"'


def fold(summary: Markup | str, content: Markup | str, *, is_open: bool = False) -> Markup:
    """A `<details>` block: `summary` always shown, `content` shown when unfolded."""
    return tag("details", join([tag("summary", summary), content]), open=is_open)


def excerpt(text: str, *, chars: int = EXCERPT_CHARS, lines: int = EXCERPT_LINES) -> Markup:
    """Preformatted text; a long one shows its start, the whole of it folded below."""
    head = "\n".join(text.splitlines()[:lines])[:chars]
    if head == text.rstrip("\n") or len(text) <= len(head):
        return tag("pre", text)
    more = text.count("\n") + 1
    summary = f"whole output ({more} lines, {len(text):,} characters)"
    whole = text
    if len(text) > WHOLE_CHARS:
        left = len(text) - WHOLE_CHARS
        whole = f"{text[:WHOLE_CHARS]}\n… {left:,} more characters in trajectory.jsonl"
    return join([tag("pre", head + " …"), fold(summary, tag("pre", whole))])


def page(title: str, body: Markup | str) -> str:
    """The whole HTML document; `body` is escaped unless it is `Markup`."""
    return _template().render(title=title, body=body)


def write_page(path: Path, title: str, body_html: Markup | str) -> Path:
    """Write the page to `path` (UTF-8) and return it; on a write error nothing partial is
    left behind and the `OSError` propagates."""
    text = page(title, body_html)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        raise
    return path
