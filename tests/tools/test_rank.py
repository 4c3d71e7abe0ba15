import pytest

from devagent.tools.rank import pagerank, rank_definitions
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
