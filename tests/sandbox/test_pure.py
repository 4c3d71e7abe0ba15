"""The sandbox's pure parts: output cap, sentinel splitting, quoting, creator liveness."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sandbox.lifecycle import (
    BUILD_LABEL,
    LABEL,
    OWNER_LABEL,
    build_labels,
    creator_alive,
    creator_labels,
    owner_labels,
)
from sandbox.local import LocalSandbox
from sandbox.output import OutputCap
from sandbox.shell import BOOTSTRAP, Sentinel, SentinelReader, ansi_c_quote, parse_sentinel


def test_output_cap_keeps_everything_under_the_limit():
    cap = OutputCap(100)
    cap.feed(b"hello ")
    cap.feed(b"world")
    assert (cap.text(), cap.dropped) == ("hello world", 0)


def test_output_cap_keeps_head_and_tail_and_counts_the_rest():
    cap = OutputCap(10)
    for chunk in (b"abc", b"defgh", b"ijklmnop", b"qrstuvwxyz"):
        cap.feed(chunk)
    assert cap.dropped == 26 - 10
    assert cap.text() == "abcde\n[... 16 bytes of output dropped ...]\nvwxyz"


def test_output_cap_decodes_invalid_utf8_with_replacement():
    cap = OutputCap(100)
    cap.feed(b"ok \xff")
    assert cap.text() == "ok \ufffd"


def test_sentinel_reader_splits_output_even_across_chunks():
    cap = OutputCap(1000)
    reader = SentinelReader("n0nce", cap)
    assert reader.feed(b"out\x00DAn0") is None
    assert reader.feed(b"nce:done:7:6:/tm") is None
    assert reader.feed(b"p\x00") == Sentinel("done", exit_code=7, strays=6, pwd="/tmp")
    assert cap.text() == "out"


def test_sentinel_reader_ignores_markers_with_another_nonce():
    cap = OutputCap(1000)
    reader = SentinelReader("abc", cap)
    found = reader.feed(b"fake \x00DAxyz:done:0:6:/\x00 real\x00DAabc:done:0:6:/\x00")
    assert found == Sentinel("done", exit_code=0, strays=6, pwd="/")
    assert cap.text() == "fake \x00DAxyz:done:0:6:/\x00 real"


@pytest.mark.parametrize(
    ("body", "record"),
    [
        ("started:41:5:/workspace", Sentinel("started", pid=41, strays=5, pwd="/workspace")),
        ("started:41::", Sentinel("started", pid=41)),
        ("done:3:6:/a:b", Sentinel("done", exit_code=3, strays=6, pwd="/a:b")),
        ("exited:0:7:", Sentinel("exited", exit_code=0, strays=7)),
    ],
)
def test_a_sentinel_names_the_shell_pid_and_the_exit_code_apart(body, record):
    assert parse_sentinel(body) == record


@pytest.mark.parametrize("body", ["7:/tmp", "finished:0:6:/tmp"])
def test_a_record_of_another_shape_is_refused(body):
    with pytest.raises(ValueError, match="not a sentinel record"):
        parse_sentinel(body)


def test_the_shell_sentinels_say_what_they_carry_in_real_bash(tmp_path):
    nonce = f"t{os.getpid()}"
    script = BOOTSTRAP.format(nonce=nonce) + f"cd {tmp_path}; __da_done 3\nexit 5\n"
    try:
        out = subprocess.run(["bash", "--noprofile", "--norc"], input=script.encode(), stdout=-1)
    finally:
        Path(f"/tmp/.da-state-{nonce}").unlink(missing_ok=True)  # what __da_done saves
    marker = f"DA{nonce}:"
    records = [parse_sentinel(r.decode()[len(marker) :]) for r in out.stdout.split(b"\0") if r]
    assert [(r.kind, r.exit_code, r.pwd) for r in records[1:]] == [
        ("done", 3, str(tmp_path)),
        ("exited", 5, str(tmp_path)),
    ]
    assert records[0].kind == "started" and records[0].pid > 1


@pytest.mark.parametrize(
    "text", ["plain", "it's", "a\\b", "two\nlines", "tab\tand\x01ctrl", "ünïcödé ✓", "$HOME `x`"]
)
def test_ansi_c_quote_round_trips_through_real_bash(text):
    out = subprocess.run(["bash", "-c", f"printf %s {ansi_c_quote(text)}"], capture_output=True)
    assert out.stdout.decode() == text


def test_creator_alive_matches_pid_and_start_time():
    labels = creator_labels("s1")
    assert creator_alive(labels)
    assert not creator_alive({**labels, "devagent.creator_start": "1"})
    assert not creator_alive({**labels, "devagent.creator_pid": str(2**22 + os.getpid())})


def test_a_build_container_names_itself_and_its_creator_without_the_sandbox_label():
    labels = build_labels("devagent-build-x")
    assert labels[BUILD_LABEL] == "devagent-build-x" and creator_alive(labels)
    assert LABEL not in labels  # its images keep its labels: no container of theirs is a sandbox


def test_the_owner_labels_what_the_process_makes_from_then_on():
    from devagent.cli import OWNER_VARIABLE

    owner = os.environ[OWNER_VARIABLE]  # this test session's (tests/conftest.py)
    assert owner_labels() == {OWNER_LABEL: owner}
    assert creator_labels("s1")[OWNER_LABEL] == owner
    assert build_labels("devagent-build-x")[OWNER_LABEL] == owner


def test_local_sandbox_runs_times_out_and_caps(tmp_path):
    sb = LocalSandbox(tmp_path, output_limit=100)
    assert sb.exec("echo hi > f && cat f").output == "hi\n"
    assert sb.exec("exit 3").exit_code == 3
    slow = sb.exec("sleep 30", timeout=0.5)
    assert slow.timed_out and slow.exit_code == 124
    flood = sb.exec("yes | head -c 100000")
    assert flood.truncated and flood.dropped_bytes == 100000 - 100
    sb.put("/workspace/d/x.bin", b"\x00\x01")
    assert (tmp_path / "d" / "x.bin").read_bytes() == b"\x00\x01"


def test_default_cpu_quota_leaves_the_host_cores_of_its_own():
    from sandbox.config import SandboxConfig, default_cpus

    assert [default_cpus(n) for n in (1, 2, 8, None)] == [1.0, 1.0, 4.0, 1.0]
    cores = os.cpu_count() or 1
    assert SandboxConfig().cpus < cores or cores == 1
