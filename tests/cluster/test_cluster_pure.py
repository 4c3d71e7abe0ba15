"""The cluster's pure parts: sandbox slots, the token file, `ray start`'s command line, status."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from devagent.cluster import ClusterError
from devagent.cluster.node import NodePlan, start_argv
from devagent.cluster.slots import GIB, sandbox_slots
from devagent.cluster.status import ClusterStatus, summary
from devagent.cluster.token import new_token, ray_auth_env, read_token, write_token


@pytest.mark.parametrize(
    ("cores", "memory", "slots"),
    [
        (2, 25 * GIB, 2),  # cores decide
        (16, 9 * GIB, 4),  # memory decides: (9 - 1) / 2
        (64, 256 * GIB, 64),
        (4, GIB, 0),  # not even one fits
        (0, 8 * GIB, 0),
    ],
)
def test_slots_are_the_fewer_of_cores_and_memory(cores, memory, slots):
    assert sandbox_slots(cores, memory) == slots


def test_slots_follow_what_a_sandbox_needs():
    assert sandbox_slots(8, 33 * GIB, per_sandbox_memory=8 * GIB) == 4
    assert sandbox_slots(8, 33 * GIB, per_sandbox_cores=4) == 2
    with pytest.raises(ValueError):
        sandbox_slots(8, 33 * GIB, per_sandbox_memory=0)


def test_the_token_file_is_its_owners_alone(tmp_path):
    path = write_token(tmp_path / "state" / "token", new_token())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(read_token(path)) == 64
    write_token(path, new_token())  # replaced whole, still 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_token_others_can_read_is_refused(tmp_path):
    path = write_token(tmp_path / "token", new_token())
    path.chmod(0o644)
    with pytest.raises(ClusterError, match=f"chmod 600 {path}"):
        read_token(path)


def test_a_missing_or_malformed_token_says_what_to_do(tmp_path):
    with pytest.raises(ClusterError, match="DEVAGENT_CLUSTER_TOKEN"):
        read_token(tmp_path / "absent")
    (tmp_path / "bad").write_text("not-a-token")
    (tmp_path / "bad").chmod(0o600)
    with pytest.raises(ClusterError, match="not a cluster token"):
        read_token(tmp_path / "bad")


def test_ray_gets_the_tokens_path_never_the_token(tmp_path):
    token = new_token()
    path = write_token(tmp_path / "token", token)
    env = ray_auth_env(path)
    assert env == {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(path)}
    argv = start_argv("ray", NodePlan("10.0.0.5", 3, 4, Path("/tmp/r")))
    assert token not in " ".join(argv)


def _value(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_a_head_offers_its_slots_on_fixed_ports_without_dashboard():
    argv = start_argv("ray", NodePlan("10.0.0.5", 3, 4, Path("/tmp/r")))
    assert argv[:3] == ["ray", "start", "--block"]
    assert "--head" in argv
    assert json.loads(_value(argv, "--resources")) == {"devagent_sandbox": 3}
    assert _value(argv, "--num-cpus") == "4"
    assert _value(argv, "--node-ip-address") == "10.0.0.5"
    assert _value(argv, "--port") == "6379"
    assert _value(argv, "--include-dashboard") == "false"
    assert _value(argv, "--dashboard-host") == "127.0.0.1"
    assert _value(argv, "--node-manager-port") == "8077"
    assert _value(argv, "--ray-client-server-port") == "10001"
    assert "--disable-usage-stats" in argv


def test_a_joining_node_names_its_head_and_free_ports_are_for_tests():
    argv = start_argv("ray", NodePlan("10.0.0.6", 2, 2, Path("/t"), head_address="10.0.0.5:6379"))
    assert _value(argv, "--address") == "10.0.0.5:6379"
    assert "--head" not in argv and "--ray-client-server-port" not in argv
    loose = start_argv("ray", NodePlan("127.0.0.1", 1, 1, Path("/t"), port=0))
    assert "--node-manager-port" not in loose and _value(loose, "--port") == "0"


def test_status_counts_the_slots_of_live_nodes_only():
    nodes = [
        {
            "NodeID": "a",
            "Alive": True,
            "NodeManagerAddress": "10.0.0.5",
            "Resources": {"CPU": 4.0, "devagent_sandbox": 3.0, "node:__internal_head__": 1.0},
        },
        {
            "NodeID": "b",
            "Alive": False,
            "NodeManagerAddress": "10.0.0.5",  # a second node on the same machine
            "Resources": {"CPU": 2.0, "devagent_sandbox": 2.0},
        },
    ]
    found = summary(nodes, {"a": {"devagent_sandbox": 1.0}, "b": {"devagent_sandbox": 2.0}})
    report = ClusterStatus("10.0.0.5:6379", found)
    assert [(n.node_id, n.head, n.alive, n.sandboxes_free) for n in found] == [
        ("a", True, True, 1),
        ("b", False, False, 0),
    ]
    assert (report.sandboxes_total, report.sandboxes_free) == (3, 1)
    assert report.to_dict()["nodes"][1]["alive"] is False
