"""The task format and its loader: valid tasks load, malformed ones fail with a TaskError."""

from __future__ import annotations

from pathlib import Path

import pytest

from devagent.agent.budget import BudgetConfig
from devagent.bench.task import TaskError, load_task, load_tasks
from devagent.errors import DevagentError

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "tasks"
BROKEN = Path(__file__).parent / "fixtures" / "broken_task"

VALID_TOML = """\
id = "{id}"
language = "python"
title = "Something is off"
test_command = "python -m pytest -q"
test_select_command = "python -m pytest -q {{tests}}"
fail_to_pass = ["tests/test_a.py::test_goal"]
pass_to_pass = ["tests/test_a.py::test_kept"]
"""


def make_task(parent: Path, task_id: str = "demo", toml: str | None = None) -> Path:
    root = parent / task_id
    (root / "repo").mkdir(parents=True)
    (root / "task.toml").write_text(VALID_TOML.format(id=task_id) if toml is None else toml)
    (root / "issue.md").write_text("It breaks when I do X.\n")
    (root / "solution.patch").write_text("diff --git a/x b/x\n")
    return root


def test_loads_valid_task_with_default_budget(tmp_path: Path) -> None:
    task = load_task(make_task(tmp_path))
    assert task.id == "demo"
    assert task.config.language == "python"
    assert task.config.budget == BudgetConfig()
    assert task.config.budget.overrides() == {}
    assert task.config.image is None
    assert task.issue == "It breaks when I do X.\n"
    assert task.repo_dir == tmp_path.resolve() / "demo" / "repo"
    assert task.solution_patch.name == "solution.patch"


def test_accepts_path_of_task_toml(tmp_path: Path) -> None:
    assert load_task(make_task(tmp_path) / "task.toml").id == "demo"


def test_budget_section_overrides_defaults(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo") + '\n[budget]\nmax_steps = 7\nmax_time = "15m"\n'
    budget = load_task(make_task(tmp_path, toml=toml)).config.budget
    assert budget.overrides() == {"max_steps": 7, "max_time_s": 900.0}


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo") + "timeout = 3\n"
    with pytest.raises(TaskError, match="timeout: Extra inputs are not permitted"):
        load_task(make_task(tmp_path, toml=toml))


def test_malformed_toml_is_a_task_error(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="not valid TOML") as info:
        load_task(make_task(tmp_path, toml='id = "demo\n'))
    assert isinstance(info.value, DevagentError)


def test_missing_required_field_is_named(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo").replace('title = "Something is off"\n', "")
    with pytest.raises(TaskError, match="title: Field required"):
        load_task(make_task(tmp_path, toml=toml))


def test_unknown_language_is_rejected(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo").replace('"python"', '"ruby"')
    with pytest.raises(TaskError, match="language"):
        load_task(make_task(tmp_path, toml=toml))


@pytest.mark.parametrize("name", ["issue.md", "solution.patch", "task.toml"])
def test_missing_file_is_named(tmp_path: Path, name: str) -> None:
    root = make_task(tmp_path)
    (root / name).unlink()
    with pytest.raises(TaskError, match=f"missing file: .*{name}"):
        load_task(root)


def test_missing_repo_dir(tmp_path: Path) -> None:
    root = make_task(tmp_path)
    (root / "repo").rmdir()
    with pytest.raises(TaskError, match=r"missing directory: .*repo"):
        load_task(root)


def test_id_must_match_directory(tmp_path: Path) -> None:
    root = make_task(tmp_path, toml=VALID_TOML.format(id="other"))
    with pytest.raises(TaskError, match="differs from its directory name"):
        load_task(root)


def test_select_template_needs_placeholder(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo").replace(" {tests}", "")
    with pytest.raises(TaskError, match="placeholder"):
        load_task(make_task(tmp_path, toml=toml))


def test_test_in_both_lists_is_rejected(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo").replace("test_kept", "test_goal")
    with pytest.raises(TaskError, match="both fail_to_pass and pass_to_pass"):
        load_task(make_task(tmp_path, toml=toml))


def test_select_command_quotes_ids_for_blank_separator(tmp_path: Path) -> None:
    config = load_task(make_task(tmp_path)).config
    ids = ["tests/a.py::test_x[1 2]", "tests/a.py::test_y"]
    assert config.select_command(ids) == (
        "python -m pytest -q 'tests/a.py::test_x[1 2]' tests/a.py::test_y"
    )


def test_go_style_separator_joins_plain_names() -> None:
    config = load_task(BUNDLED / "go-http-range").config
    assert config.select_command(["TestA", "TestB"]) == "go test ./... -run '^(TestA|TestB)$'"


def test_non_blank_separator_rejects_unsafe_ids(tmp_path: Path) -> None:
    toml = (
        VALID_TOML.format(id="demo").replace("tests/test_a.py::test_goal", "TestA'; rm -rf /")
        + 'test_separator = "|"\n'
    )
    with pytest.raises(TaskError, match="cannot be joined"):
        load_task(make_task(tmp_path, toml=toml))


def test_load_tasks_reads_a_suite_sorted_by_id(tmp_path: Path) -> None:
    make_task(tmp_path, "zeta")
    make_task(tmp_path, "alpha")
    (tmp_path / "notes").mkdir()
    assert [t.id for t in load_tasks([tmp_path])] == ["alpha", "zeta"]


def test_load_tasks_rejects_duplicate_ids(tmp_path: Path) -> None:
    root = make_task(tmp_path)
    with pytest.raises(TaskError, match="duplicate task id 'demo'"):
        load_tasks([root, tmp_path])


def test_load_tasks_on_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match="holds no task directories"):
        load_tasks([tmp_path])


def test_bundled_suite_covers_languages_and_size() -> None:
    tasks = load_tasks([BUNDLED])
    languages = [t.config.language for t in tasks]
    assert len(tasks) >= 16
    assert languages.count("node") >= 2
    assert languages.count("go") >= 1
    assert languages.count("python") > len(tasks) / 2


def test_broken_fixture_loads() -> None:
    assert load_task(BROKEN).id == "broken_task"


def test_environment_section_is_an_environment_spec(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo") + '\n[environment]\npython = "3.9"\nas_of = "none"\n'
    environment = load_task(make_task(tmp_path, toml=toml)).config.environment
    assert environment is not None
    assert (environment.python, environment.as_of) == ("3.9", "none")


def test_environment_section_rejects_unknown_keys(tmp_path: Path) -> None:
    toml = VALID_TOML.format(id="demo") + '\n[environment]\nversion = "3.9"\n'
    with pytest.raises(TaskError, match=r"environment\.version: Extra inputs are not permitted"):
        load_task(make_task(tmp_path, toml=toml))
