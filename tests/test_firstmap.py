"""The run's first repo map: fresh when it is ready in time; an earlier run's map for the same
focus is shown as it is at the same commit, and with a notice naming the changed files only when
the fresh map is late."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from devagent.agent import Task
from devagent.firstmap import FirstMap, KeptMap, MapShelf, stale_notice
from devagent.mapworker import MapWorker, make_map
from devagent.pipeline import first_map_request
from devagent.tools.repomap import TreeSource, render_map
from devagent.workspace import Workspace
from tests.support import git

FOCUS = "handle() in app.py fails"


class FakeMaps:
    """A map maker that says the tree is read at once and finishes when `release` is set."""

    def __init__(self, text: str, *, whole: bool = True, late: bool = False) -> None:
        self.text, self.whole = text, whole
        self.release = threading.Event()
        if not late:
            self.release.set()
        self.made = 0

    def __call__(self, on_read: Callable[[], None]) -> tuple[str, bool]:
        self.made += 1
        on_read()
        self.release.wait(10)
        return self.text, self.whole


def shelf(tmp_path: Path) -> MapShelf:
    return MapShelf(tmp_path / "cache", tmp_path / "slot" / "tree", FOCUS, 512)


def no_changes(commit: str) -> list[str]:
    raise AssertionError(f"the changes since {commit} were not needed")


def test_a_fresh_map_in_time_is_shown_and_kept_for_its_commit(tmp_path):
    first = FirstMap(FakeMaps("fresh map"), "c1", shelf(tmp_path), no_changes)
    first.wait_read()
    assert first.text() == "fresh map"
    assert shelf(tmp_path).get() == KeptMap("c1", "fresh map")


def test_the_kept_map_of_the_same_commit_is_shown_without_mapping(tmp_path):
    shelf(tmp_path).put(KeptMap("c1", "kept map"))
    maps = FakeMaps("fresh map")
    first = FirstMap(maps, "c1", shelf(tmp_path), no_changes)
    first.wait_read()
    assert (first.text(), maps.made) == ("kept map", 0)


def test_a_fresh_map_in_time_wins_over_a_kept_map_of_another_commit(tmp_path):
    shelf(tmp_path).put(KeptMap("c1", "kept map"))
    first = FirstMap(FakeMaps("fresh map"), "c2", shelf(tmp_path), lambda commit: ["app.py"])
    assert first.text(wait_s=5) == "fresh map"
    assert shelf(tmp_path).get() == KeptMap("c2", "fresh map")


def test_a_late_fresh_map_gives_way_to_the_kept_one_with_the_changed_files(tmp_path):
    shelf(tmp_path).put(KeptMap("c1" * 20, "kept map"))
    maps = FakeMaps("fresh map", late=True)
    first = FirstMap(maps, "c2", shelf(tmp_path), lambda commit: ["app.py", "lib/util.py"])
    first.wait_read()
    shown = first.text(wait_s=0.01)
    assert shown == (
        f"[This map was made by an earlier run at commit {'c1' * 6}; 2 file(s) changed since "
        "and are not reflected in it: app.py, lib/util.py. Call repo_map for a current map.]"
        "\nkept map"
    )
    maps.release.set()  # the fresh map is still made, and kept for the next run
    assert first.text(wait_s=5) == "fresh map"
    assert shelf(tmp_path).get() == KeptMap("c2", "fresh map")


def test_a_late_fresh_map_is_waited_for_when_the_changes_cannot_be_listed(tmp_path):
    shelf(tmp_path).put(KeptMap("gone", "kept map"))
    maps = FakeMaps("fresh map", late=True)
    first = FirstMap(maps, "c2", shelf(tmp_path), lambda commit: None)
    threading.Timer(0.05, maps.release.set).start()
    assert first.text(wait_s=0.01) == "fresh map"


def test_a_map_cut_short_by_its_time_limit_is_not_kept(tmp_path):
    first = FirstMap(FakeMaps("partial map", whole=False), "c1", shelf(tmp_path), no_changes)
    assert first.text() == "partial map"
    assert shelf(tmp_path).get() is None


def test_without_a_cache_nothing_is_kept(tmp_path):
    nowhere = MapShelf(None, tmp_path / "tree", FOCUS, 512)
    nowhere.put(KeptMap("c1", "kept map"))
    assert FirstMap(FakeMaps("fresh map"), "c1", nowhere, no_changes).text() == "fresh map"


def test_a_failed_map_still_lets_the_run_wait_for_the_read_and_raises_when_asked(tmp_path):
    def broken(on_read: Callable[[], None]) -> tuple[str, bool]:
        raise OSError("tree gone")

    first = FirstMap(broken, "c1", shelf(tmp_path), no_changes)
    first.wait_read()
    with pytest.raises(OSError, match="tree gone"):
        first.text()


def test_no_notice_when_nothing_changed_between_the_commits():
    assert stale_notice(KeptMap("c1", "kept map"), []) == "kept map"


def test_a_long_list_of_changes_is_cut_and_counted():
    notice = stale_notice(KeptMap("c1", "m"), [f"f{i}.py" for i in range(25)])
    assert "25 file(s) changed" in notice and "f19.py and 5 more." in notice
    assert "f20.py" not in notice


def commit(repo: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "user"
    repo.mkdir()
    git(repo, "init", "-q", "--initial-branch=main")
    commit(
        repo,
        {
            "app.py": "from lib.util import helper\n\n\ndef handle():\n    return helper()\n",
            "lib/util.py": "def helper():\n    return 1\n",
        },
    )
    return repo


def test_a_kept_workspace_shows_its_kept_map_equal_to_a_cold_one(user_repo, tmp_path):
    task, cache = Task(issue=FOCUS), tmp_path / "cache"

    def first_map(ws: Workspace) -> str:
        asked = first_map_request(task, TreeSource(ws.tree, cache), 512)
        worker = MapWorker()
        made = functools.partial(worker.make, asked)
        start = FirstMap(made, ws.start, shelf_of(ws), ws.changed_since)
        start.wait_read()
        return start.text()

    def shelf_of(ws: Workspace) -> MapShelf:
        return MapShelf(cache, ws.tree, FOCUS, 512)

    first_map(Workspace.reuse(user_repo, tmp_path / "slot"))
    ws = Workspace.reuse(user_repo, tmp_path / "slot")
    assert shelf_of(ws).get() is not None
    cold = render_map(TreeSource(ws.tree, None), FOCUS, 512).text
    assert first_map(ws) == cold


def test_the_files_changed_since_an_earlier_start(user_repo, tmp_path):
    old = Workspace.reuse(user_repo, tmp_path / "slot").start
    commit(user_repo, {"lib/util.py": "def helper():\n    return 2\n", "new.py": "x = 1\n"})
    ws = Workspace.reuse(user_repo, tmp_path / "slot")
    assert ws.changed_since(old) == ["lib/util.py", "new.py"]
    assert ws.changed_since("0" * 40) is None


def test_the_worker_makes_the_map_this_process_would(user_repo, tmp_path):
    asked = first_map_request(Task(issue=FOCUS), TreeSource(user_repo, None), 512)
    said: list[str] = []
    worker = MapWorker()
    made = worker.make(asked, lambda: said.append("read"))
    assert (made, said) == (make_map(asked, lambda: None), ["read"])
    assert made[1] is True and "app.py" in made[0]


def test_a_worker_asked_twice_makes_the_second_map_in_this_process(user_repo, tmp_path):
    asked = first_map_request(Task(issue=FOCUS), TreeSource(user_repo, None), 512)
    worker = MapWorker()
    first = worker.make(asked, lambda: None)
    assert worker.make(asked, lambda: None) == first
