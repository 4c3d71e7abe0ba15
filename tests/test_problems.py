"""Validation and parser errors rewritten for people: key paths, lines, no pydantic text."""

from __future__ import annotations

import tomllib

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from devagent.problems import key_line, summary, toml_position, yaml_position


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_usd: float = 1.0


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    budget: Inner = Inner()


def error(data: dict) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Outer.model_validate(data)
    return caught.value


def test_summary_names_each_key_and_what_is_wrong_without_pydantic_text():
    text = summary(error({"budget": {"max_usd": "lots"}, "nmae": "x"}))
    assert text == (
        "budget.max_usd: input should be a valid number, unable to parse string as a number "
        "(got 'lots'); nmae: unknown key"
    )
    assert "pydantic" not in text and "\n" not in text


def test_summary_stops_after_a_few_problems():
    data = {f"k{i}": i for i in range(5)}
    assert summary(error(data), limit=2).endswith("; and 3 more")


@pytest.mark.parametrize(
    ("text", "loc", "line"),
    [
        ('name = "x"\n[budget]\nmax_usd = "lots"\n', ("budget", "max_usd"), 3),
        ('budget.max_usd = "lots"\n', ("budget", "max_usd"), 1),
        ("budget:\n  other: 1\n  max_usd: lots\n", ("budget", "max_usd"), 3),
        ('[tool.devagent]\nmodle = "x"\n', ("tool", "devagent", "modle"), 2),
        ('name = "x"\n', ("absent",), None),
    ],
)
def test_key_line_finds_where_a_key_is_written(text, loc, line):
    assert key_line(text, loc) == line


def test_parser_positions_are_lines_not_the_parsers_own_text():
    with pytest.raises(tomllib.TOMLDecodeError) as toml_error:
        tomllib.loads("a = 1\nb = \n")
    assert toml_position(toml_error.value) == (2, "Invalid value")
    with pytest.raises(yaml.YAMLError) as yaml_error:
        yaml.safe_load("a: [1\nb: c\n")
    index, message = yaml_position(yaml_error.value)
    assert index == 1 and "<unicode string>" not in message
