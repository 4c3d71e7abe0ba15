"""Rank files and definitions by personalized PageRank over the reference graph. Pure."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping

from devagent.tools.tags import FileTags

Graph = dict[str, dict[str, float]]
"""source -> {target: weight}: `source` refers to something `target` defines."""


def pagerank(
    graph: Mapping[str, Mapping[str, float]],
    personalization: Mapping[str, float] | None = None,
    damping: float = 0.85,
    tolerance: float = 1e-6,
) -> dict[str, float]:
    """Weighted PageRank by power iteration; teleports (and dangling mass) follow
    `personalization` (normalised), or go uniformly when it is empty. Ranks sum to 1.
    Stops when the L1 change is below `tolerance` x node count (as networkx does)."""
    nodes = sorted(set(graph) | {t for targets in graph.values() for t in targets})
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    weights = [max((personalization or {}).get(node, 0.0), 0.0) for node in nodes]
    total = sum(weights)
    teleport = [w / total for w in weights] if total else [1 / len(nodes)] * len(nodes)
    links: list[list[tuple[int, float]]] = [[] for _ in nodes]
    for source, targets in graph.items():
        out = sum(targets.values())
        if out > 0:
            links[index[source]] = [(index[t], w / out) for t, w in targets.items()]
    dangling_nodes = [i for i, out in enumerate(links) if not out]
    rank = list(teleport)
    for _ in range(200):
        dangling = sum(rank[i] for i in dangling_nodes)
        base = 1 - damping + damping * dangling
        nxt = [base * t for t in teleport]
        for position, targets_of in enumerate(links):
            share = damping * rank[position]
            for target, fraction in targets_of:
                nxt[target] += share * fraction
        delta = sum(abs(a - b) for a, b in zip(nxt, rank, strict=True))
        rank = nxt
        if delta < tolerance * len(nodes):
            break
    return dict(zip(nodes, rank, strict=True))


def _identifier_weight(ident: str, definers: int, mentioned: set[str]) -> float:
    weight = 1.0
    if ident in mentioned:
        weight *= 10
    if len(ident) >= 8 and ("_" in ident or re.search(r"[a-z][A-Z]", ident)):
        weight *= 10
    if ident.startswith("_"):
        weight *= 0.1
    if definers > 5:
        weight *= 0.1
    return weight


def reference_graph(
    tags: Mapping[str, FileTags], mentioned_files: set[str], mentioned_idents: set[str]
) -> tuple[Graph, dict[tuple[str, str, str], float]]:
    """The file graph plus, per (source, target, identifier), the weight of that edge share."""
    definers: dict[str, set[str]] = defaultdict(set)
    for path, file_tags in tags.items():
        for definition in file_tags.definitions:
            definers[definition.name].add(path)
    graph: Graph = defaultdict(dict)
    edges: dict[tuple[str, str, str], float] = {}
    for source, file_tags in tags.items():
        boost = 50.0 if source in mentioned_files else 1.0
        for ident, count in file_tags.references.items():
            targets = definers.get(ident)
            if not targets:
                continue
            weight = boost * _identifier_weight(ident, len(targets), mentioned_idents)
            weight *= math.sqrt(count)
            for target in targets:
                if target != source:
                    graph[source][target] = graph[source].get(target, 0.0) + weight
                    edges[source, target, ident] = weight
    return graph, edges


def rank_definitions(
    tags: Mapping[str, FileTags],
    mentioned_files: set[str] | None = None,
    mentioned_idents: set[str] | None = None,
) -> list[tuple[str, str, float]]:
    """(path, identifier, score) for every definition, best first.

    A file's PageRank flows to the definitions it references, in proportion to edge weights;
    definitions nobody references keep a small share of their own file's rank. Mentioned files and
    identifiers both personalize the walk and weigh more."""
    files, idents = mentioned_files or set(), mentioned_idents or set()
    graph, edges = reference_graph(tags, files, idents)
    personal = {path: 1.0 for path in files}
    for path, file_tags in tags.items():
        if any(d.name in idents for d in file_tags.definitions):
            personal[path] = personal.get(path, 0.0) + 1.0
    nodes: Graph = {path: {} for path in tags}
    nodes.update(graph)
    rank = pagerank(nodes, personal)
    scores: dict[tuple[str, str], float] = defaultdict(float)
    out_sum = {source: sum(targets.values()) for source, targets in graph.items()}
    for (source, target, ident), weight in edges.items():
        scores[target, ident] += rank[source] * weight / out_sum[source]
    for path, file_tags in tags.items():
        for definition in file_tags.definitions:
            bonus = 1.0 if definition.name in idents else 0.0
            scores[path, definition.name] += 1e-3 * rank.get(path, 0.0) + bonus
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(path, ident, score) for (path, ident), score in ordered]
