"""The repo-map index: tags of every supported workspace file, cached in SQLite by content hash."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from devagent.tools.tags import Definition, FileTags, extract_tags, language_for
from devagent.tools.walk import walk_files

CACHE_FILE = "repomap-tags.sqlite3"
SCHEMA_VERSION = "1"
"""Part of every cache key: bump it when the queries or the stored shape change."""
MAX_FILE_BYTES = 1_000_000
"""Larger files (generated code, bundles) are not indexed."""


@dataclass
class IndexStats:
    """What one scan did: `parsed` files went through tree-sitter, `cached` came from SQLite."""

    files: int = 0
    parsed: int = 0
    cached: int = 0
    seconds: float = 0.0


def _encode(tags: FileTags) -> bytes:
    defs = [[d.name, d.kind, d.line, d.signature] for d in tags.definitions]
    return json.dumps({"d": defs, "r": tags.references}, separators=(",", ":")).encode()


def _decode(blob: bytes) -> FileTags:
    raw = json.loads(blob)
    return FileTags([Definition(*d) for d in raw["d"]], raw["r"])


class TagIndex:
    """Scans a workspace into `{path: FileTags}`, re-parsing only files whose content changed."""

    def __init__(self, cache_dir: Path | None) -> None:
        if cache_dir is None:
            self._db = sqlite3.connect(":memory:")
        else:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(cache_dir / CACHE_FILE)
        self._db.execute("CREATE TABLE IF NOT EXISTS tags (key TEXT PRIMARY KEY, data BLOB)")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TagIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _lookup(self, keys: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, data FROM tags WHERE key IN ({marks})"
            found.update(self._db.execute(query, chunk).fetchall())
        return found

    def scan(self, workspace: Path) -> tuple[dict[str, FileTags], IndexStats]:
        """Tags of every supported file under `workspace`, keyed by posix relative path."""
        started = time.perf_counter()
        root = workspace.resolve()
        sources: dict[str, tuple[str, str, bytes]] = {}
        for path in walk_files(root):
            rel = path.relative_to(root).as_posix()
            lang = language_for(rel)
            if lang is None or path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
            key = hashlib.sha1(f"{SCHEMA_VERSION}\0{lang}\0".encode() + data).hexdigest()
            sources[rel] = (key, lang, data)
        cached = self._lookup(sorted({key for key, _, _ in sources.values()}))
        result: dict[str, FileTags] = {}
        stats = IndexStats(files=len(sources))
        fresh: list[tuple[str, bytes]] = []
        for rel, (key, lang, data) in sources.items():
            if key in cached:
                result[rel] = _decode(cached[key])
                stats.cached += 1
                continue
            result[rel] = extract_tags(data, lang)
            blob = _encode(result[rel])
            cached[key] = blob
            fresh.append((key, blob))
            stats.parsed += 1
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO tags VALUES (?, ?)", fresh)
        stats.seconds = time.perf_counter() - started
        return result, stats
