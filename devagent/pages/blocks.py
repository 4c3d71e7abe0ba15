"""Building blocks of the bench pages on the page shell: sections, number cards, tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import escape

from devagent.pages.shell import Markup, join, tag

__all__ = ["card", "cards", "chart", "pct", "section", "status", "table"]


def section(anchor: str, heading: str, content: Markup | str) -> Markup:
    """`<section id=anchor>` under an `<h2>` heading (the page's table of contents links it)."""
    return tag("section", join([tag("h2", heading), content]), id=anchor)


def card(value: str, label: str) -> Markup:
    """A number in large type over what it counts."""
    return tag("div", join([tag("b", value), tag("span", label)]), cls="card")


def cards(items: Iterable[Markup]) -> Markup:
    """Cards side by side, wrapping on a narrow window."""
    return tag("div", join(items), cls="cards")


def chart(*svgs: str, narrow: bool = False) -> Markup:
    """Inline SVG charts (trusted: the chart module escapes its text) in the page's grid;
    `narrow` ones (about 370 pixels) three to a row."""
    boxes = join(tag("div", Markup(svg), cls="chart") for svg in svgs)
    return tag("div", boxes, cls="charts narrow" if narrow else "charts")


def status(name: str) -> Markup:
    """A bench task's status as a coloured badge."""
    return tag("span", name, cls=f"badge task-{name}")


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[Markup | str]],
    numeric: frozenset[int] = frozenset(),
) -> Markup:
    """A table; plain-text cells are escaped, `Markup` cells kept; `numeric` columns (by index)
    align right. Cells are joined as strings: a 100-row table takes about a millisecond."""

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    header = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>\n"
        for row in rows
    )
    return Markup(f"<table><thead><tr>{header}</tr></thead><tbody>\n{body}</tbody></table>")


def pct(value: float) -> str:
    """0.625 -> '62.5%'."""
    return f"{100 * value:.1f}%"
