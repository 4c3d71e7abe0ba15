"""The repo-map index: tags of every supported workspace file, cached in SQLite by content hash."""

from __future__ import annotations

import hashlib
import logging
import marshal
import sqlite3
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from devagent.tools.safefs import UnsafeFileError, WorkspaceRoot
from devagent.tools.safewalk import walk_files
from devagent.tools.tags import Definition, FileTags, extract_tags, language_for

log = logging.getLogger(__name__)

CACHE_FILE = "repomap-tags.sqlite3"
SCHEMA_VERSION = "2"
"""Part of every cache key: bump it when the queries or the stored shape change."""
RACY_NS = 2_000_000_000
"""A recorded mtime this close to now is not trusted (a same-size edit could share it)."""
FLUSH_EVERY = 500
"""Parsed files written to the cache at a time (a scan cut short keeps what it parsed)."""
MAX_FILE_BYTES = 1_000_000
"""Larger files (generated code, bundles) are not indexed."""


@dataclass
class IndexStats:
    """What one scan did: `parsed` files went through tree-sitter, `cached` came from SQLite."""

    files: int = 0
    parsed: int = 0
    cached: int = 0
    pending: int = 0
    """Files left unparsed when the time limit ran out (then parsed in the background)."""
    seconds: float = 0.0


@dataclass(frozen=True)
class Source:
    key: str
    """Content hash (with language and schema version): the cache key."""
    lang: str
    path: str


@dataclass(frozen=True)
class Snapshot:
    """The supported files of a workspace at one moment, hashed but not parsed."""

    sources: dict[str, Source]
    digest: str
    """Hash of every (path, content key): equal digests mean an unchanged workspace."""
    root: Path = Path("/")
    """The workspace the sources are relative to."""


def content_key(data: bytes, lang: str) -> str:
    """The cache key of a file's content (with its language and the schema version)."""
    return hashlib.sha1(f"{SCHEMA_VERSION}\0{lang}\0".encode() + data).hexdigest()


def finish_in_background(cache_dir: Path, snapshot: Snapshot) -> threading.Thread:
    """Parse the snapshot's files the cache lacks on a daemon thread (its own connection), so
    that later maps of the workspace are whole; returns the started thread."""

    def work() -> None:
        try:
            with TagIndex(cache_dir) as index:
                index.load(snapshot)
        except (sqlite3.Error, OSError) as exc:
            log.debug("background indexing stopped: %s", exc)

    thread = threading.Thread(target=work, name="devagent-index", daemon=True)
    thread.start()
    return thread


def _encode(tags: FileTags) -> bytes:
    """`marshal` (a few times faster to load than JSON: a one-file change loads every other
    file's tags). Only this process writes the cache, from parsed tags, never from file bytes."""
    defs = [(d.name, d.kind, d.line, d.signature) for d in tags.definitions]
    return marshal.dumps((defs, tags.references))


def _decode(blob: bytes) -> FileTags:
    defs, references = marshal.loads(blob)
    return FileTags([Definition(*d) for d in defs], references)


class TagIndex:
    """Scans a workspace into `{path: FileTags}`, re-parsing only files whose content changed."""

    def __init__(self, cache_dir: Path | None) -> None:
        if cache_dir is None:
            self._db = sqlite3.connect(":memory:")
        else:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(cache_dir / CACHE_FILE)
            # A cache: a commit need not reach the disk before the map is shown (WAL keeps the
            # file consistent; an fsync per commit cost more than the ranking under I/O load).
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS tags (key TEXT PRIMARY KEY, data BLOB)")
        self._db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen"
            " (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, key TEXT)"
        )

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

    def _known_stats(self, prefix: str) -> dict[str, tuple[int, int, str]]:
        rows = self._db.execute(
            "SELECT path, size, mtime_ns, key FROM seen WHERE path >= ? AND path < ?",
            (prefix, prefix[:-1] + chr(ord("/") + 1)),
        )
        return {path: (size, mtime, key) for path, size, mtime, key in rows}

    def snapshot(self, workspace: Path) -> Snapshot:
        """Hash every supported file under `workspace` (no parsing).

        Like git's index, a file whose size and mtime match what was recorded when it was hashed
        is not read again, unless that mtime is too recent to trust (racy by RACY_NS)."""
        prefix = str(workspace.resolve()) + "/"
        known = self._known_stats(prefix)
        trust_before = time.time_ns() - RACY_NS
        sources: dict[str, Source] = {}
        updates: list[tuple[str, int, int, str]] = []
        with WorkspaceRoot(workspace) as root:  # a swap in the sandbox cannot redirect reads
            for rel, size, mtime in walk_files(root):
                lang, full = language_for(rel), prefix + rel
                if lang is None:
                    continue
                hit = known.get(full)
                if hit and hit[:2] == (size, mtime) and mtime < trust_before:
                    sources[rel] = Source(hit[2], lang, full)  # unchanged: never opened
                    continue
                try:
                    key = self._key(root, rel, lang, hit, trust_before, updates)
                except (UnsafeFileError, OSError):
                    continue
                if key:
                    sources[rel] = Source(key, lang, full)
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)", updates)
        digest = hashlib.sha1("\n".join(f"{r}\0{s.key}" for r, s in sources.items()).encode())
        return Snapshot(sources, digest.hexdigest(), Path(prefix))

    @staticmethod
    def _key(
        root: WorkspaceRoot,
        rel: str,
        lang: str,
        hit: tuple[int, int, str] | None,
        trust_before: int,
        updates: list[tuple[str, int, int, str]],
    ) -> str:
        """The content key of `rel` ('' for one too large to index), reading it only when its
        size and mtime differ from what was recorded (or are too recent to trust)."""
        entry = root.entry(rel)
        if entry is None:
            return ""
        with entry:
            size, mtime = entry.st.st_size, entry.st.st_mtime_ns
            if entry.is_dir or size > MAX_FILE_BYTES:
                return ""
            if hit and hit[:2] == (size, mtime) and mtime < trust_before:
                return hit[2]
            key = content_key(entry.read(MAX_FILE_BYTES), lang)
        updates.append((str(root.path / rel), size, mtime, key))
        return key

    def load(
        self,
        snapshot: Snapshot,
        *,
        deadline: float | None = None,
        first: Collection[str] = (),
        on_read: Callable[[], None] = lambda: None,
    ) -> tuple[dict[str, FileTags], IndexStats]:
        """Tags of every file in `snapshot`: from the cache, or parsed (and then cached).

        With a `deadline` (a `time.monotonic()` value), parsing stops there: the `first` files
        (always parsed), those parsed by then and every cached one are returned; the others are
        counted in `stats.pending` (see `finish_in_background`). The files to parse are read
        (and parsed) before the cached tags are decoded; `on_read` is called in between, once
        nothing more is read from the tree."""
        started = time.perf_counter()
        sources = snapshot.sources
        cached = self._lookup(sorted({source.key for source in sources.values()}))
        found: dict[str, FileTags] = {}
        stats = IndexStats(files=len(sources))
        fresh: list[tuple[str, bytes]] = []
        order = [rel for rel in first if rel in sources]
        early = set(order)
        order += [rel for rel in sources if rel not in early]
        with WorkspaceRoot(snapshot.root) as root:
            for rel in order:
                source = sources[rel]
                if source.key in cached:
                    continue
                if deadline is not None and rel not in early and time.monotonic() > deadline:
                    stats.pending += 1
                    continue
                found[rel] = self._parse(root, rel, source, cached, fresh)
                stats.parsed += 1
                if len(fresh) >= FLUSH_EVERY:  # kept even if the process ends mid-scan
                    self._store(fresh)
        on_read()
        self._store(fresh)
        for rel in order:
            if rel not in found and sources[rel].key in cached:
                found[rel] = _decode(cached[sources[rel].key])
                stats.cached += 1
        result = {rel: found[rel] for rel in order if rel in found}
        stats.seconds = time.perf_counter() - started
        return result, stats

    def _store(self, fresh: list[tuple[str, bytes]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO tags VALUES (?, ?)", fresh)
        fresh.clear()

    @staticmethod
    def _parse(
        root: WorkspaceRoot,
        rel: str,
        source: Source,
        cached: dict[str, bytes],
        fresh: list[tuple[str, bytes]],
    ) -> FileTags:
        """Parse `rel`; its tags are cached under the key of the content actually read (the
        tree may have changed since the snapshot)."""
        try:
            data = root.read_bytes(rel, MAX_FILE_BYTES) or b""
        except (UnsafeFileError, OSError):
            data = b""
        tags = extract_tags(data, source.lang)
        key = content_key(data, source.lang)
        cached[key] = _encode(tags)
        fresh.append((key, cached[key]))
        return tags

    def scan(self, workspace: Path) -> tuple[dict[str, FileTags], IndexStats]:
        """Tags of every supported file under `workspace`, keyed by posix relative path."""
        return self.load(self.snapshot(workspace))

    def memo_get(self, key: str) -> str | None:
        """A derived result (e.g. a rendered map) stored under `key`, if any."""
        row = self._db.execute("SELECT value FROM memo WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def memo_put(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO memo VALUES (?, ?)", (key, value))
