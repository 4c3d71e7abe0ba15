"""The `repo_map` tool: a ranked outline of the repository within a token budget."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from devagent.tools.base import Observation, Tool, ToolContext
from devagent.tools.index import IndexStats, TagIndex, finish_in_background
from devagent.tools.rank import rank_definitions
from devagent.tools.tags import Definition, FileTags

DEFAULT_MAX_TOKENS = 1024
MAP_VERSION = "2"
"""Part of every stored map's key: bump it when the ranking or the rendering changes."""
CHARS_PER_TOKEN = 4
"""Budget estimate: about 4 characters per token for code and English (no tokenizer offline)."""


class MapSource(Protocol):
    """What a map reads: the tree and where its index is kept (a `ToolContext` is one; a map
    made before the sandbox exists is given a `TreeSource`)."""

    @property
    def workspace(self) -> Path: ...

    @property
    def cache_dir(self) -> Path | None: ...


@dataclass(frozen=True)
class TreeSource:
    """A tree to map, without a sandbox."""

    workspace: Path
    cache_dir: Path | None = None


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATHLIKE = re.compile(r"[\w./-]+\.\w+")


def extract_mentions(text: str, tags: Mapping[str, FileTags]) -> tuple[set[str], set[str]]:
    """Files (by relative path or unique basename) and defined identifiers that `text` names."""
    words = set(_WORD.findall(text))
    tokens = {token.strip("./") for token in _PATHLIKE.findall(text)}
    by_basename: dict[str, list[str]] = defaultdict(list)
    for path in tags:
        by_basename[path.rsplit("/", 1)[-1]].append(path)
    files = {path for path in tags if path in tokens}
    for token in tokens:
        matches = by_basename.get(token.rsplit("/", 1)[-1], [])
        files.update(p for p in matches if p.endswith(token) or len(matches) == 1)
    defined = {d.name for file_tags in tags.values() for d in file_tags.definitions}
    idents = {word for word in words & defined if len(word) >= 3}
    return files, idents


@dataclass(frozen=True)
class MapEntry:
    path: str
    definition: Definition


def ranked_entries(
    tags: Mapping[str, FileTags], files: set[str], idents: set[str], limit: int | None = None
) -> list[MapEntry]:
    """Every definition (or the first `limit`), best first (each identifier's definitions in a
    file kept together)."""
    entries = (
        MapEntry(path, definition)
        for path, ident, _ in rank_definitions(tags, files, idents)
        for definition in tags[path].definitions
        if definition.name == ident
    )
    return list(itertools.islice(entries, limit))


def most_entries(max_tokens: int) -> int:
    """An upper bound on the entries a map of `max_tokens` can show: each takes a line."""
    return max_tokens * CHARS_PER_TOKEN // len("    1│") + 1


def _indent(definition: Definition) -> int:
    return len(definition.signature) - len(definition.signature.lstrip())


def enclosing_map(definitions: list[Definition]) -> dict[int, list[Definition]]:
    """Per definition line: the definitions enclosing it (by indentation), outermost first."""
    stack: list[tuple[int, Definition]] = []
    parents: dict[int, list[Definition]] = {}
    for definition in sorted(definitions, key=lambda d: d.line):
        depth = _indent(definition)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[definition.line] = [d for _, d in stack]
        stack.append((depth, definition))
    return parents


class MapRenderer:
    """Renders entries grouped by file, each with the definitions enclosing it (its class)."""

    def __init__(self, tags: Mapping[str, FileTags] | None = None) -> None:
        self.tags = tags
        self._parents: dict[str, dict[int, list[Definition]]] = {}

    def _with_enclosing(self, path: str, chosen: list[Definition]) -> list[Definition]:
        if self.tags is None:
            return sorted(chosen, key=lambda d: d.line)
        if path not in self._parents:
            self._parents[path] = enclosing_map(self.tags[path].definitions)
        parents = self._parents[path]
        shown = {d.line: d for d in chosen}
        for definition in chosen:
            for parent in parents.get(definition.line, []):
                shown.setdefault(parent.line, parent)
        return sorted(shown.values(), key=lambda d: d.line)

    def render(self, entries: list[MapEntry]) -> str:
        """Files in rank order, lines in file order."""
        grouped: dict[str, list[Definition]] = {}
        for entry in entries:
            grouped.setdefault(entry.path, []).append(entry.definition)
        blocks = []
        for path, chosen in grouped.items():
            lines = [f"{d.line:>5}│{d.signature}" for d in self._with_enclosing(path, chosen)]
            blocks.append(f"{path}:\n" + "\n".join(lines))
        return "\n".join(blocks)


def fit_to_budget(
    entries: list[MapEntry], max_tokens: int, tags: Mapping[str, FileTags] | None = None
) -> tuple[str, int]:
    """The longest rank-prefix of `entries` whose rendering fits `max_tokens`; (text, count)."""
    low, high, best = 0, min(len(entries), most_entries(max_tokens)), ""
    renderer = MapRenderer(tags)
    while low < high:
        middle = (low + high + 1) // 2
        text = renderer.render(entries[:middle])
        if estimate_tokens(text) <= max_tokens:
            low, best = middle, text
        else:
            high = middle - 1
    return (best if low else ""), low


def build_map(
    tags: Mapping[str, FileTags], focus: str = "", max_tokens: int = DEFAULT_MAX_TOKENS
) -> tuple[str, dict[str, Any]]:
    """The map text within the budget, and facts about it (counts, focus found)."""
    files, idents = extract_mentions(focus, tags) if focus else (set(), set())
    entries = ranked_entries(tags, files, idents, most_entries(max_tokens))
    text, shown = fit_to_budget(entries, max_tokens, tags)
    shown_files = len({entry.path for entry in entries[:shown]})
    facts = {
        "definitions": sum(len(file_tags.definitions) for file_tags in tags.values()),
        "shown": shown,
        "files_shown": shown_files,
        "focus_files": sorted(files),
        "focus_identifiers": sorted(idents),
        "tokens": estimate_tokens(text),
    }
    return text, facts


def scan_workspace(ctx: MapSource) -> tuple[dict[str, FileTags], IndexStats]:
    """The tags of the workspace, through the on-disk cache when `ctx.cache_dir` is set."""
    with TagIndex(ctx.cache_dir) as index:
        return index.scan(ctx.workspace)


def _header(facts: dict[str, Any]) -> str:
    header = (
        f"Repository map: {facts['shown']} of {facts['definitions']} definitions from "
        f"{facts['files_shown']} of {facts['files']} files, ranked by references"
    )
    focus = facts["focus_files"] + facts["focus_identifiers"]
    header += " toward " + ", ".join(focus)[:300] if focus else ""
    if facts.get("pending"):
        header += (
            f" (partial: {facts['pending']} files not indexed yet, being indexed now;"
            " call repo_map again for the whole map)"
        )
    return header


def map_workspace(
    ctx: MapSource,
    focus: str,
    max_tokens: int,
    time_limit_s: float | None = None,
    on_read: Callable[[], None] = lambda: None,
) -> tuple[str, dict[str, Any]]:
    """The rendered map and its facts; an unchanged workspace reuses the stored map. A changed
    one re-parses only the files whose content changed (tags are cached by content hash) and
    re-ranks everything in O(files + references + definitions) per PageRank step (rank.py).

    With `time_limit_s` (the run's first map, so that the first model call comes in seconds
    whatever the repo's size), files the focus names are parsed first; past the limit the map
    is made of the files parsed or cached so far (facts["pending"] counts the others), and,
    with a cache, the rest are parsed in the background for later maps.

    `on_read` is called once the tree has been read (the ranking that follows is pure)."""
    with TagIndex(ctx.cache_dir) as index:
        snapshot = index.snapshot(ctx.workspace)
        memo_key = f"map{MAP_VERSION}\0{snapshot.digest}\0{max_tokens}\0{focus}"
        stored = index.memo_get(memo_key)
        if stored is not None:
            on_read()
            facts = json.loads(stored)
            files = facts["files"]
            facts["index"] = asdict(IndexStats(files=files, cached=files)) | {"map_reused": True}
            return facts.pop("text"), facts
        deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
        named, _ = extract_mentions(focus, dict.fromkeys(snapshot.sources, FileTags()))
        tags, stats = index.load(snapshot, deadline=deadline, first=sorted(named), on_read=on_read)
        text, facts = build_map(tags, focus, max_tokens)
        facts["files"] = len(snapshot.sources)
        facts["pending"] = stats.pending
        if not stats.pending:
            index.memo_put(memo_key, json.dumps(facts | {"text": text}))
        elif ctx.cache_dir is not None:
            finish_in_background(ctx.cache_dir, snapshot)
    facts["index"] = asdict(stats) | {"map_reused": False}
    return text, facts


def repo_map(args: dict[str, Any], ctx: ToolContext) -> Observation:
    """Render the ranked repository map."""
    focus = " ".join([str(args.get("focus", "")), *map(str, args.get("files", []) or [])])
    max_tokens = max(64, int(args.get("max_tokens", DEFAULT_MAX_TOKENS)))
    return render_map(ctx, focus.strip(), max_tokens)


def render_map(
    ctx: MapSource,
    focus: str,
    max_tokens: int,
    time_limit_s: float | None = None,
    on_read: Callable[[], None] = lambda: None,
) -> Observation:
    """The map as the model sees it (header, entries, what is left out); see `map_workspace`."""
    text, facts = map_workspace(ctx, focus, max_tokens, time_limit_s, on_read)
    if not facts["files"]:
        return Observation("No source files in a supported language were found; use view '.'.")
    footer = ""
    if facts["shown"] < facts["definitions"]:
        footer = (
            f"\n[{facts['definitions'] - facts['shown']} more definitions not shown: raise "
            "max_tokens, pass focus=..., or use find_symbol / view]"
        )
    return Observation(f"{_header(facts)}\n{text}{footer}", data=facts)


REPO_MAP = Tool(
    name="repo_map",
    description=(
        "A ranked outline of the repository's most important definitions (path, line, signature) "
        "within a token budget. Pass `focus` (the issue text, file paths or identifiers) to rank "
        "toward what matters for the task."
    ),
    parameters={
        "type": "object",
        "properties": {
            "focus": {"type": "string", "description": "Text naming files and identifiers."},
            "files": {"type": "array", "items": {"type": "string"}},
            "max_tokens": {"type": "integer", "minimum": 64, "default": DEFAULT_MAX_TOKENS},
        },
        "additionalProperties": False,
    },
    fn=repo_map,
)
