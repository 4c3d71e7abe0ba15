"""The sandbox's pure parts: output cap, sentinel splitting, quoting, creator liveness."""

from __future__ import annotations

import os
import subprocess

import pytest

from sandbox.lifecycle import creator_alive, creator_labels
from sandbox.local import LocalSandbox
from sandbox.output import OutputCap
from sandbox.shell import SentinelReader, ansi_c_quote


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
    assert reader.feed(b"nce:7:/tm") is None
    assert reader.feed(b"p\x00") == (7, "/tmp")
    assert cap.text() == "out"


def test_sentinel_reader_ignores_markers_with_another_nonce():
    cap = OutputCap(1000)
    reader = SentinelReader("abc", cap)
    assert reader.feed(b"fake \x00DAxyz:0:/\x00 real\x00DAabc:0:/\x00") == (0, "/")
    assert cap.text() == "fake \x00DAxyz:0:/\x00 real"


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
