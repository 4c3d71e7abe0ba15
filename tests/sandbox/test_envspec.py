"""The [environment] table: valid tables load, bad ones raise one line naming the file and key."""

from __future__ import annotations

import pytest

from sandbox.envspec import EnvironmentSpec, EnvironmentSpecError, load_environment


def test_a_full_table_loads() -> None:
    spec = load_environment(
        {
            "python": "3.9",
            "pre_install": ["echo pre"],
            "install": ["pip install -r requirements/test.txt"],
            "pip": ["pytest==7.4.4"],
            "apt": ["libxml2-dev"],
            "env": {"TZ": "UTC"},
            "test_command": "pytest -q",
            "as_of": "2024-01-31",
            "setup_script": "scripts/setup.sh",
        },
        "devagent.toml",
    )
    assert spec.python == "3.9"
    assert spec.pip == ["pytest==7.4.4"]
    assert spec.env == {"TZ": "UTC"}


def test_an_unknown_key_is_one_line_naming_the_source_and_the_key() -> None:
    with pytest.raises(EnvironmentSpecError) as caught:
        load_environment({"pyhton": "3.11"}, "repo/devagent.toml")
    message = str(caught.value)
    assert message.startswith("repo/devagent.toml: [environment] unknown key 'pyhton'")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"python": "3"}, "python: Value error, python must look like 3.11"),
        ({"as_of": "last year"}, "as_of: Value error, as_of must be a date"),
        ({"pip": "pytest"}, "pip: Input should be a valid list"),
    ],
)
def test_bad_values_name_the_key(data: dict, fragment: str) -> None:
    with pytest.raises(EnvironmentSpecError, match=f"task.toml: \\[environment\\] {fragment}"):
        load_environment(data, "task.toml")


def test_as_of_none_disables_the_date_filter_and_defaults_are_empty() -> None:
    assert load_environment({"as_of": "None"}, "x").as_of == "none"
    assert EnvironmentSpec() == load_environment({}, "x")
