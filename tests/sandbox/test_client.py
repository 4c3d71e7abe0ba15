"""The one Docker connector: no daemon answering reads the same, however the daemon was named;
the API version is asked once per daemon and process (`GET /version`, the slowest call of a
warm run's image check)."""

from __future__ import annotations

import contextlib
import http.server
import json
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from sandbox import DaemonUnavailableError
from sandbox.client import DAEMON_HINT, docker_client


@pytest.mark.parametrize("host", ["unix://{tmp}/no-daemon.sock", "tcp://127.0.0.1:9"])
def test_a_bogus_docker_host_gives_one_error_with_the_hint(monkeypatch, tmp_path, host):
    monkeypatch.setenv("DOCKER_HOST", host.format(tmp=tmp_path))
    with pytest.raises(DaemonUnavailableError) as caught:
        docker_client(timeout=2)
    assert str(caught.value).startswith("no Docker daemon answers (")
    assert str(caught.value).endswith(f"; {DAEMON_HINT}")
    assert "make setup" in DAEMON_HINT


def test_a_given_client_without_a_daemon_gives_the_same_error(tmp_path):
    dead = docker.DockerClient(base_url=f"unix://{tmp_path}/no.sock", version="1.41", timeout=2)
    with pytest.raises(DaemonUnavailableError) as caught:
        docker_client(client=dead)
    assert str(caught.value).startswith("no Docker daemon answers (")
    assert str(caught.value).endswith(f"; {DAEMON_HINT}")


class _FakeDaemon(http.server.BaseHTTPRequestHandler):
    """Answers what making a client and a ping ask (`GET /version`, `GET /_ping`)."""

    protocol_version = "HTTP/1.1"
    asked: list[str]

    def do_GET(self) -> None:
        self.server.asked.append(self.path)  # type: ignore[attr-defined]
        body = json.dumps({"ApiVersion": "1.41"}) if self.path == "/version" else "OK"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True  # a client's kept connection must not hold up the close
    block_on_close = False


@contextlib.contextmanager
def _fake_daemon(socket: Path) -> Iterator[list[str]]:
    server = _Server(str(socket), _FakeDaemon)
    server.asked = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.asked  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        socket.unlink()


def test_the_api_version_is_asked_once_per_daemon_and_a_dead_one_still_says_so(
    monkeypatch, tmp_path
):
    socket = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    with _fake_daemon(socket) as asked:
        first, second = docker_client(timeout=5), docker_client(timeout=5)
        first.close()
        second.close()
    assert second is not first
    assert second.api.api_version == first.api.api_version == "1.41"
    assert asked.count("/version") == 1
    assert asked.count("/v1.41/_ping") == 2
    with pytest.raises(DaemonUnavailableError) as caught:  # the known version asks nothing
        docker_client(timeout=2)
    assert str(caught.value).endswith(f"; {DAEMON_HINT}")
