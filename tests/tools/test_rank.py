import pytest

from devagent.tools.rank import build_name_graph, pagerank, rank_definitions, walk
from devagent.tools.tags import Definition, FileTags


def test_pagerank_symmetric_graph_is_uniform() -> None:
    rank = pagerank({"a": {"b": 1.0}, "b": {"a": 1.0}})
    assert rank == pytest.approx({"a": 0.5, "b": 0.5})


def test_pagerank_sink_collects_rank_and_sums_to_one() -> None:
    rank = pagerank({"a": {"c": 1.0}, "b": {"c": 1.0}, "c": {}})
    assert sum(rank.values()) == pytest.approx(1.0)
    assert rank["c"] > rank["a"] == pytest.approx(rank["b"])


def test_pagerank_personalization_pulls_rank_toward_the_focus() -> None:
    graph = {"a": {"b": 1.0}, "b": {"a": 1.0}, "c": {"a": 1.0}}
    plain = pagerank(graph)
    focused = pagerank(graph, {"c": 1.0})
    assert focused["c"] > plain["c"]
    assert sum(focused.values()) == pytest.approx(1.0)


def _defs(*names: str) -> list[Definition]:
    return [Definition(n, "function", i + 1, f"def {n}():") for i, n in enumerate(names)]


def test_definitions_used_by_many_files_rank_first() -> None:
    tags = {
        "core.py": FileTags(_defs("shared_helper", "rarely_used"), {}),
        "a.py": FileTags(_defs("alpha"), {"shared_helper": 3}),
        "b.py": FileTags(_defs("beta"), {"shared_helper": 1, "rarely_used": 1}),
        "c.py": FileTags(_defs("gamma"), {"shared_helper": 1}),
    }
    ranked = [(path, ident) for path, ident, _ in rank_definitions(tags)]
    assert ranked[:2] == [("core.py", "shared_helper"), ("core.py", "rarely_used")]
    assert len(ranked) == 5


def test_mentioned_files_and_identifiers_move_up() -> None:
    tags = {
        "core.py": FileTags(_defs("shared_helper"), {}),
        "a.py": FileTags(_defs("alpha"), {"shared_helper": 3}),
        "b.py": FileTags(_defs("beta"), {"shared_helper": 1}),
        "lonely.py": FileTags(_defs("lonely_function", "other"), {}),
    }
    ranked = [ident for _, ident, _ in rank_definitions(tags, {"lonely.py"}, {"lonely_function"})]
    assert ranked[0] == "lonely_function"
    assert ranked.index("other") < ranked.index("alpha")


def test_a_name_defined_everywhere_does_not_swamp_the_ranking() -> None:
    tags = {f"m{i:02d}.py": FileTags(_defs("process"), {"process": 4}) for i in range(30)}
    tags["core.py"] = FileTags(_defs("parse"), {})
    for i in range(3):
        tags[f"m{i:02d}.py"].references["parse"] = 1
    ranked = [(path, ident) for path, ident, _ in rank_definitions(tags)]
    assert ranked[0] == ("core.py", "parse")


def test_a_name_defined_in_several_files_shares_its_weight_among_them() -> None:
    tags = {f"backend{i}.py": FileTags(_defs("get"), {}) for i in range(5)}
    tags["core.py"] = FileTags(_defs("helper"), {})
    tags.update({f"user{i}.py": FileTags([], {"get": 1, "helper": 1}) for i in range(10)})
    scores = {(path, ident): score for path, ident, score in rank_definitions(tags)}
    each_get = scores["backend0.py", "get"]
    assert all(scores[f"backend{i}.py", "get"] == pytest.approx(each_get) for i in range(5))
    assert scores["core.py", "helper"] > 5 * each_get


def test_references_to_a_files_own_definitions_are_not_edges() -> None:
    tags = {
        "selfish.py": FileTags(_defs("loop_helper"), {"loop_helper": 50}),
        "core.py": FileTags(_defs("shared_helper"), {}),
        "a.py": FileTags([], {"shared_helper": 1}),
    }
    scores = {ident: score for _, ident, score in rank_definitions(tags)}
    assert scores["shared_helper"] > 10 * scores["loop_helper"]


def test_mentioning_a_name_defined_everywhere_shares_its_bonus() -> None:
    tags = {f"m{i:02d}.py": FileTags(_defs("process"), {}) for i in range(20)}
    tags["core.py"] = FileTags(_defs("unique_api"), {})
    ranked = rank_definitions(tags, set(), {"process", "unique_api"})
    scores = {(path, ident): score for path, ident, score in ranked}
    assert ranked[0][:2] == ("core.py", "unique_api")
    assert scores["m00.py", "process"] < scores["core.py", "unique_api"] / 10


def test_the_name_graph_walk_equals_pagerank_over_the_expanded_file_graph() -> None:
    tags = {
        "a.py": FileTags(_defs("run", "parse"), {"run": 2, "helper": 1, "parse": 1}),
        "b.py": FileTags(_defs("run"), {"run": 1, "parse": 3}),
        "c.py": FileTags(_defs("helper"), {"run": 1}),
        "d.py": FileTags([], {"helper": 2, "parse": 1}),
        "e.py": FileTags(_defs("lonely"), {}),
    }
    graph = build_name_graph(tags, {"d.py"}, {"parse"})
    expanded: dict[str, dict[str, float]] = {path: {} for path in graph.files}
    for name, (sources, shares) in enumerate(graph.referrers):
        for source, share in zip(sources, shares, strict=True):
            for target in range(len(graph.files)):
                if name in graph.defined[target] and target != source:
                    edges = expanded[graph.files[source]]
                    edges[graph.files[target]] = edges.get(graph.files[target], 0.0) + share
    teleport = [0.1, 0.2, 0.3, 0.4, 0.0]
    ranks = walk(graph, teleport)
    expected = pagerank(expanded, dict(zip(graph.files, teleport, strict=True)), tolerance=1e-12)
    assert dict(zip(graph.files, ranks, strict=True)) == pytest.approx(expected, abs=1e-5)
