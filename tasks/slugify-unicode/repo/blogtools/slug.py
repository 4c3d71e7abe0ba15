"""URL slugs from post titles."""

from __future__ import annotations

import re
from typing import Container

_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def slugify(title: str, max_length: int = 60) -> str:
    slug = _NOT_ALNUM.sub("-", title.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def unique_slug(title: str, taken: Container[str]) -> str:
    base = slugify(title) or "post"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug
