"""`devagent cluster` refuses clearly, before starting anything of Ray."""

from __future__ import annotations

import pytest

from devagent.cli import main


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("DEVAGENT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEVAGENT_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("")
    monkeypatch.delenv("DEVAGENT_CLUSTER_TOKEN", raising=False)
    return tmp_path / "cache" / "cluster"


def _errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


def test_docker_unreachable_is_one_line_and_nothing_starts(state, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    assert main(["cluster", "up", "--head", "--temp-dir", str(tmp_path / "ray")]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "Docker daemon" in errors[0]
    assert not (state / "node.json").exists() and not (state / "token").exists()
    assert not (tmp_path / "ray").exists()


def test_up_without_head_points_to_join(state, capsys):
    assert main(["cluster", "up"]) == 2
    assert "add --head (other machines: join)" in capsys.readouterr().err


def test_join_without_a_token_says_where_to_put_it(state, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-docker.sock")
    assert main(["cluster", "join", "10.0.0.5:6379"]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 1 and "DEVAGENT_CLUSTER_TOKEN" in errors[0]


def test_a_malformed_token_in_the_environment_is_named(state, monkeypatch, capsys):
    monkeypatch.setenv("DEVAGENT_CLUSTER_TOKEN", "hunter2")
    assert main(["cluster", "join", "10.0.0.5:6379"]) == 2
    err = capsys.readouterr().err
    assert "DEVAGENT_CLUSTER_TOKEN: not a cluster token" in err and "hunter2" not in err


def test_down_with_no_node_is_fine(state, capsys):
    assert main(["cluster", "down"]) == 0
    assert "no devagent node runs on this machine" in capsys.readouterr().out


def test_status_with_no_node_asks_for_the_address(state, capsys):
    assert main(["cluster", "status"]) == 2
    assert "--address HEAD:PORT" in capsys.readouterr().err
