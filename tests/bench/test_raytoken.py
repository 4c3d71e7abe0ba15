"""The Ray driver's token: the cluster's file for an address, a fresh one of its own for Ray on
this machine, and an operator's own setting left alone."""

from __future__ import annotations

import stat
import sys

import pytest

from devagent.bench.rayexec import RayConfig, use_token


@pytest.fixture(autouse=True)
def ray_not_imported(monkeypatch):
    monkeypatch.delitem(sys.modules, "ray", raising=False)


def test_ray_on_this_machine_gets_a_fresh_token_only_its_owner_can_read():
    environ: dict[str, str] = {}
    token = use_token(RayConfig(), environ)
    assert token is not None
    assert environ == {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert len(token.read_text()) == 64
    other: dict[str, str] = {}
    assert use_token(RayConfig(), other) != token  # never reused across runs


def test_an_address_uses_the_clusters_token_file(tmp_path):
    token = tmp_path / "token"
    token.write_text("ab" * 32)
    environ: dict[str, str] = {}
    assert use_token(RayConfig(address="10.0.0.5:6379", token_file=token), environ) == token
    assert environ["RAY_AUTH_TOKEN_PATH"] == str(token)


def test_an_address_without_a_token_file_is_left_to_the_operator(tmp_path):
    environ: dict[str, str] = {}
    config = RayConfig(address="10.0.0.5:6379", token_file=tmp_path / "missing")
    assert use_token(config, environ) is None
    assert environ == {}


def test_the_operators_own_ray_auth_setting_wins(tmp_path):
    environ = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": "/secrets/theirs"}
    assert use_token(RayConfig(address="x:1", token_file=tmp_path), environ) is None
    assert environ["RAY_AUTH_TOKEN_PATH"] == "/secrets/theirs"


def test_nothing_changes_once_ray_is_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", object())
    environ: dict[str, str] = {}
    assert use_token(RayConfig(), environ) is None and environ == {}
