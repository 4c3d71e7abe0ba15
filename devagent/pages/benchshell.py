"""The bench pages' HTML shell: one self-contained file, its style inline, nothing fetched."""

from __future__ import annotations

from html import escape

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;
padding:16px 24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.sub{color:#666;margin:0 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f6f6f6;position:sticky;top:0}td.num,th.num{text-align:right}
.resolved{color:#2e7d32;font-weight:600}.unresolved{color:#c62828;font-weight:600}
.broken{color:#6d4c41;font-weight:600}.error{color:#ef6c00;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:8px}.charts svg{max-width:100%;height:auto}
.note{color:#555;font-size:12px}ul.flags li{margin:2px 0}
"""


def page(title: str, body: str) -> str:
    """A whole HTML document around `body` (already HTML); `title` is escaped here."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def section(anchor: str, heading: str, content: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(heading)}</h2>\n{content}\n</section>'


def card(value: str, label: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def table(head: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    """A table; cells are HTML already (escape text before); `numeric` columns align right."""

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    header = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>\n"
        for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>\n{body}</tbody></table>"


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"
