"""The MCP servers' config: what it accepts, and that only the person's own config sets it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from devagent.config import load_settings
from devagent.tools.mcp.config import McpConfig, McpServerConfig


def test_a_sandbox_server_by_default_with_its_tool_policies() -> None:
    config = McpConfig.model_validate(
        {"servers": {"calc": {"command": ["python3", "s.py"], "tools": {"add": "allow"}}}}
    )
    server = config.servers["calc"]
    assert (server.where, server.on_host, server.tools) == ("sandbox", False, {"add": "allow"})


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"command": ["x"], "url": "http://127.0.0.1:1/mcp"},
        {"url": "http://127.0.0.1:1/mcp", "where": "sandbox"},
        {"command": ["x"], "env": ["NOT A NAME"]},
        {"command": ["x"], "headers": {"A": "b"}},
        {"url": "http://127.0.0.1:1/mcp", "headers": {"Authorization": "Bearer ${UNLISTED}"}},
        {"command": ["x"], "tools": {"add": "maybe"}},
        {"command": ["x"], "timeout": 3},
    ],
)
def test_invalid_server_configs_are_refused(fields: dict) -> None:
    with pytest.raises(ValidationError):
        McpServerConfig.model_validate(fields)


@pytest.mark.parametrize("name", ["a__b", "_a", "a b", ""])
def test_server_names_that_would_blur_tool_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        McpConfig.model_validate({"servers": {name: {"command": ["x"]}}})


def test_headers_take_values_from_the_listed_variables_only() -> None:
    server = McpServerConfig.model_validate(
        {
            "url": "http://127.0.0.1:1/mcp",
            "env": ["CALC_TOKEN"],
            "headers": {"Authorization": "Bearer ${CALC_TOKEN}"},
        }
    )
    assert server.on_host
    assert server.header_values({"CALC_TOKEN": "t0ken"}) == {"Authorization": "Bearer t0ken"}


def test_env_values_are_read_by_name_and_unset_ones_left_out() -> None:
    config = McpConfig.model_validate(
        {"servers": {"calc": {"command": ["x"], "env": ["A_SET", "B_UNSET"]}}}
    )
    assert config.env_values({"A_SET": "1", "OTHER": "2"}) == {"calc": {"A_SET": "1"}}


SERVER_TOML = '[mcp.servers.{name}]\ncommand = ["python3", "/opt/{name}.py"]\n'


def test_the_person_config_sets_servers_and_a_repository_config_cannot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = tmp_path / "config.toml"
    user.write_text(SERVER_TOML.format(name="mine"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "devagent.toml").write_text(SERVER_TOML.format(name="evil"))
    settings = load_settings({}, repo, env={"DEVAGENT_CONFIG": str(user), "HOME": str(tmp_path)})
    assert list(settings.mcp.servers) == ["mine"]
    assert "mcp" in caplog.text and "security policy" in caplog.text
