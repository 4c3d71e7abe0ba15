import threading
from pathlib import Path

import pytest

from devagent.tools.findsymbol import FIND_SYMBOL
from devagent.tools.index import TagIndex
from devagent.tools.repomap import REPO_MAP, estimate_tokens, extract_mentions, render_map
from tests.tools.helpers import make_ctx, write_tree

CORE = "def shared_helper(x):\n    return x\n\n\nclass Registry:\n    def register(self, item):\n        return shared_helper(item)\n"  # noqa: E501


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {
        "pkg/core.py": CORE,
        "pkg/users.py": "from pkg.core import shared_helper, Registry\n\n\ndef make_user():\n    return shared_helper(Registry())\n",  # noqa: E501
        "pkg/orders.py": "from pkg.core import shared_helper\n\n\ndef make_order():\n    return shared_helper(2)\n",  # noqa: E501
        "billing/invoice.py": "def render_invoice(total):\n    return format_money(total)\n\n\ndef format_money(value):\n    return str(value)\n",  # noqa: E501
        "web/app.ts": "export function startServer(port: number) { return listen(port); }\nfunction listen(p: number) { return p; }\n",  # noqa: E501
        "README.md": "docs\n",
        "generated/big.py": "def generated_thing():\n    pass\n",
        ".gitignore": "generated/\n",
    }
    return write_tree(tmp_path / "repo", files)


def test_map_lists_definitions_ranked_by_references(repo: Path) -> None:
    obs = REPO_MAP({}, make_ctx(repo))
    lines = obs.text.splitlines()
    assert lines[0].startswith("Repository map: ")
    assert lines[1] == "pkg/core.py:"
    assert "    1│def shared_helper(x):" in lines[2:5]
    assert "generated_thing" not in obs.text
    assert obs.data["index"]["files"] == 5


def test_focus_on_issue_files_and_identifiers_ranks_them_first(repo: Path) -> None:
    issue = "The invoice total is wrong: billing/invoice.py render_invoice rounds badly."
    obs = REPO_MAP({"focus": issue}, make_ctx(repo))
    assert obs.text.splitlines()[1] == "billing/invoice.py:"
    assert obs.data["focus_files"] == ["billing/invoice.py"]
    assert obs.data["focus_identifiers"] == ["render_invoice"]


def test_map_fits_the_token_budget_and_says_how_to_see_more(repo: Path) -> None:
    full = REPO_MAP({"max_tokens": 4000}, make_ctx(repo))
    small = REPO_MAP({"max_tokens": 64}, make_ctx(repo))
    assert full.data["shown"] == full.data["definitions"] == 9
    assert 0 < small.data["shown"] < 9
    assert small.data["tokens"] <= 64
    assert "more definitions not shown: raise max_tokens" in small.text.splitlines()[-1]


def test_cache_reuse_and_one_file_change_reparses_one_file(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with TagIndex(cache) as index:
        _, first = index.scan(repo)
    with TagIndex(cache) as index:
        _, second = index.scan(repo)
        (repo / "pkg" / "orders.py").write_text("def make_order_v2():\n    pass\n")
        tags, third = index.scan(repo)
    assert (first.files, first.parsed, first.cached) == (5, 5, 0)
    assert (second.parsed, second.cached) == (0, 5)
    assert (third.parsed, third.cached) == (1, 4)
    assert [d.name for d in tags["pkg/orders.py"].definitions] == ["make_order_v2"]


def test_map_through_ctx_cache_dir_reports_cache_hits(repo: Path, tmp_path: Path) -> None:
    ctx = make_ctx(repo, cache_dir=tmp_path / "cache")
    first = REPO_MAP({}, ctx)
    second = REPO_MAP({}, ctx)
    assert first.data["index"]["parsed"] == 5
    assert (second.data["index"]["parsed"], second.data["index"]["cached"]) == (0, 5)
    assert first.text == second.text


def test_extract_mentions_paths_basenames_and_identifiers(repo: Path) -> None:
    with TagIndex(None) as index:
        tags, _ = index.scan(repo)
    files, idents = extract_mentions("see orders.py and `web/app.ts`; Registry breaks", tags)
    assert files == {"pkg/orders.py", "web/app.ts"}
    assert idents == {"Registry"}


def test_find_symbol_definitions_and_users(repo: Path) -> None:
    obs = FIND_SYMBOL({"name": "shared_helper"}, make_ctx(repo))
    assert obs.text.splitlines() == [
        "'shared_helper': 1 definition",
        "pkg/core.py:1: def shared_helper(x):  [function]",
        "used in 3 files: pkg/core.py, pkg/orders.py, pkg/users.py",
    ]
    method = FIND_SYMBOL({"name": "Registry.register"}, make_ctx(repo))
    assert method.text.splitlines()[1] == "pkg/core.py:6: def register(self, item):  [function]"


def test_find_symbol_missing_suggests_similar_names(repo: Path) -> None:
    obs = FIND_SYMBOL({"name": "startserver"}, make_ctx(repo))
    assert not obs.ok
    assert obs.text == (
        "No definition of 'startserver' in the index. Similar names: startServer (web/app.ts:1)"
    )


def test_estimate_tokens_is_four_chars_per_token() -> None:
    assert (estimate_tokens(""), estimate_tokens("abcd"), estimate_tokens("abcde")) == (0, 1, 2)


def test_stored_map_is_reused_until_a_file_changes(repo: Path, tmp_path: Path) -> None:
    ctx = make_ctx(repo, cache_dir=tmp_path / "cache")
    REPO_MAP({}, ctx)
    assert REPO_MAP({}, ctx).data["index"]["map_reused"] is True
    (repo / "billing" / "invoice.py").write_text("def brand_new_function():\n    pass\n")
    changed = REPO_MAP({}, ctx)
    assert changed.data["index"]["map_reused"] is False
    assert (changed.data["index"]["parsed"], changed.data["index"]["cached"]) == (1, 4)
    assert "brand_new_function" in changed.text
    assert "render_invoice" not in changed.text


def test_map_of_a_repo_without_source_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"README.md": "hello\n"})
    obs = REPO_MAP({}, make_ctx(tmp_path))
    assert obs.text == "No source files in a supported language were found; use view '.'."


def test_methods_are_shown_under_their_class(tmp_path: Path) -> None:
    source = "class Outer:\n    x = 1\n\n    def inner_method(self):\n        pass\n"
    write_tree(tmp_path, {"m.py": source, "use.py": "def f(o):\n    return o.inner_method()\n"})
    obs = REPO_MAP({"max_tokens": 64}, make_ctx(tmp_path))
    assert obs.text.splitlines()[1:4] == [
        "m.py:",
        "    1│class Outer:",
        "    4│    def inner_method(self):",
    ]


def test_same_size_edit_right_after_a_scan_is_seen(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"m.py": "def aaa():\n    pass\n"})
    with TagIndex(tmp_path / "cache") as index:
        index.scan(repo)
        (repo / "m.py").write_text("def bbb():\n    pass\n")  # same size, mtime too recent to trust
        tags, stats = index.scan(repo)
    assert stats.parsed == 1
    assert [d.name for d in tags["m.py"].definitions] == ["bbb"]


def _users_of(name: str, count: int) -> dict[str, str]:
    return {f"app/user{i}.py": f"def user{i}():\n    return {name}(1)\n" for i in range(count)}


def test_a_file_defining_what_many_files_use_leads_the_map(tmp_path: Path) -> None:
    files = {"lib/core.py": "def core_api(x):\n    return x\n", **_users_of("core_api", 8)}
    files["lib/other.py"] = "def other_api(x):\n    return x\n"
    files["app/one.py"] = "def one():\n    return other_api(1)\n"
    obs = REPO_MAP({}, make_ctx(write_tree(tmp_path, files)))
    assert obs.text.splitlines()[1:3] == ["lib/core.py:", "    1│def core_api(x):"]


def test_a_name_defined_in_every_file_does_not_swamp_the_map(tmp_path: Path) -> None:
    everywhere = "def run(x):\n    return run(x) + run(x)\n"
    files = {f"jobs/job{i:02d}.py": everywhere for i in range(40)}
    files["lib/parse.py"] = "def parse(text):\n    return text\n"
    files.update({f"jobs/job{i:02d}.py": everywhere + "parse('')\n" for i in range(3)})
    obs = REPO_MAP({"max_tokens": 64}, make_ctx(write_tree(tmp_path, files)))
    assert obs.text.splitlines()[1:3] == ["lib/parse.py:", "    1│def parse(text):"]


def _census_repo(root: Path) -> Path:
    files = {"lib/core.py": "def core_api(x):\n    return x\n", **_users_of("core_api", 6)}
    files["lib/extra.py"] = "def extra_api(x):\n    return x\n"
    return write_tree(root, files)


def test_one_file_change_reparses_it_alone_and_updates_the_ranking(tmp_path: Path) -> None:
    repo = _census_repo(tmp_path / "repo")
    ctx = make_ctx(repo, cache_dir=tmp_path / "cache")
    before = REPO_MAP({"max_tokens": 64}, ctx)
    for i in range(6):
        (repo / f"app/user{i}.py").write_text(f"def user{i}():\n    return extra_api(1)\n")
        after = REPO_MAP({"max_tokens": 64}, ctx)
        assert (after.data["index"]["parsed"], after.data["index"]["cached"]) == (1, 7)
    assert before.text.splitlines()[1] == "lib/core.py:"
    assert after.text.splitlines()[1] == "lib/extra.py:"


def test_the_map_is_the_same_built_cold_or_after_changes(tmp_path: Path) -> None:
    repo = _census_repo(tmp_path / "repo")
    ctx = make_ctx(repo, cache_dir=tmp_path / "cache")
    REPO_MAP({"focus": "core_api"}, ctx)
    (repo / "app/user2.py").write_text("def user2():\n    return extra_api(core_api(1))\n")
    (repo / "lib/core.py").write_text("def core_api(x):\n    return extra_api(x)\n")
    incremental = REPO_MAP({"focus": "core_api"}, ctx)
    cold_repo = write_tree(tmp_path / "copy", {
        str(path.relative_to(repo)): path.read_text() for path in repo.rglob("*.py")
    })  # fmt: skip
    cold = REPO_MAP({"focus": "core_api"}, make_ctx(cold_repo, cache_dir=tmp_path / "fresh"))
    assert incremental.data["index"]["parsed"] == 2
    assert cold.data["index"]["parsed"] == 8
    assert incremental.text == cold.text


def test_a_mentioned_file_shows_its_definitions_even_when_nobody_uses_them(tmp_path: Path) -> None:
    files = {"lib/core.py": "def core_api(x):\n    return x\n", **_users_of("core_api", 8)}
    files["tools/cleanup.py"] = "def sweep(paths):\n    return core_api(paths)\n"
    obs = REPO_MAP(
        {"focus": "tools/cleanup.py deletes too much"}, make_ctx(write_tree(tmp_path, files))
    )
    assert obs.text.splitlines()[1:3] == ["tools/cleanup.py:", "    1│def sweep(paths):"]


def test_a_map_out_of_time_uses_what_is_parsed_and_the_rest_follows(tmp_path: Path) -> None:
    """Past the time limit the first map is made of the files the focus names (always parsed)
    and says it is partial; the others are parsed in the background, after which the map is
    the one a run without a limit makes."""
    repo = _census_repo(tmp_path / "repo")
    ctx = make_ctx(repo, cache_dir=tmp_path / "cache")
    threads_before = set(threading.enumerate())

    partial = render_map(ctx, "the bug is in app/user3.py", 1024, time_limit_s=0.0)

    assert (partial.data["index"]["parsed"], partial.data["pending"]) == (1, 7)
    assert "partial: 7 files not indexed yet" in partial.text
    assert "app/user3.py" in partial.text
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=60)
    whole = REPO_MAP({"focus": "the bug is in app/user3.py"}, ctx)
    cold = REPO_MAP(
        {"focus": "the bug is in app/user3.py"}, make_ctx(repo, cache_dir=tmp_path / "fresh")
    )
    assert (whole.data["index"]["parsed"], whole.data["pending"]) == (0, 0)
    assert cold.data["index"]["parsed"] == 8
    assert whole.text == cold.text


def test_tags_are_cached_under_the_content_read_not_the_snapshot(tmp_path: Path) -> None:
    """A file edited between the snapshot and its parse must not lend its new tags to the old
    content's key."""
    repo = write_tree(tmp_path / "repo", {"mod.py": "def old_name():\n    pass\n"})
    with TagIndex(tmp_path / "cache") as index:
        snapshot = index.snapshot(repo)
        (repo / "mod.py").write_text("def new_name():\n    pass\n")
        index.load(snapshot)
    copy = write_tree(tmp_path / "copy", {"mod.py": "def old_name():\n    pass\n"})
    with TagIndex(tmp_path / "cache") as index:
        tags, stats = index.scan(copy)
    assert [d.name for d in tags["mod.py"].definitions] == ["old_name"]
    assert stats.parsed == 1


def test_the_tree_is_read_once_before_on_read_and_never_after(tmp_path: Path) -> None:
    """The goal checks may write in the tree as soon as `on_read` is called: what the map
    shows was read before, once (cached files are not read at all)."""
    repo = write_tree(tmp_path / "repo", {
        "a.py": "def kept():\n    pass\n", "b.py": "def changed():\n    pass\n",
    })  # fmt: skip
    with TagIndex(tmp_path / "cache") as index:
        index.scan(repo)
    (repo / "b.py").write_text("def edited():\n    pass\n")
    calls: list[str] = []

    def the_checks_write() -> None:
        calls.append("read")
        (repo / "a.py").write_text("def written_by_a_check():\n    pass\n")
        (repo / "b.py").write_text("def written_by_a_check():\n    pass\n")

    with TagIndex(tmp_path / "cache") as index:
        tags, stats = index.load(index.snapshot(repo), on_read=the_checks_write)
    assert calls == ["read"]
    assert {rel: [d.name for d in t.definitions] for rel, t in tags.items()} == {
        "a.py": ["kept"], "b.py": ["edited"],
    }  # fmt: skip
    assert list(tags) == ["a.py", "b.py"] and (stats.parsed, stats.cached) == (1, 1)
