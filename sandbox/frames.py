"""Read the payload of Docker's multiplexed exec stream (8-byte frame headers) from a raw socket."""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Callable

STDERR = 2
"""The stream type byte of a frame that carries the process's standard error."""
WAKE_S = 0.25
"""The longest a wait blocks in one system call. Python runs a signal's handler only when the
main thread runs Python code again, and the kernel may give a Ctrl-C to any other thread: a
wait that woke only when its command ended would sit out a whole `sleep 60`."""


class FrameSocket:
    """Reads the payload of Docker's multiplexed stream (8-byte headers) from a raw socket.

    With `on_stderr`, standard-error frames go there instead of into the payload."""

    def __init__(
        self, sock: socket.socket, on_stderr: Callable[[bytes], None] | None = None
    ) -> None:
        self.sock = sock
        self._raw = bytearray()
        self._frame_left = 0
        self._frame_stream = 1
        self._on_stderr = on_stderr

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv(self, deadline: float) -> bytes:
        """Next payload bytes; b'' at end of stream; TimeoutError past `deadline`."""
        while True:
            payload = self._take_payload()
            if payload:
                return payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(min(remaining, WAKE_S))
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue  # nothing yet: past the deadline the loop raises
            except OSError:
                return b""
            if not data:
                return b""
            self._raw += data

    def _take_payload(self) -> bytes:
        out = bytearray()
        while self._raw:
            if self._frame_left == 0:
                if len(self._raw) < 8:
                    break
                self._frame_stream = self._raw[0]
                (self._frame_left,) = struct.unpack(">I", self._raw[4:8])
                del self._raw[:8]
                continue
            n = min(self._frame_left, len(self._raw))
            if self._on_stderr is not None and self._frame_stream == STDERR:
                self._on_stderr(bytes(self._raw[:n]))
            else:
                out += self._raw[:n]
            del self._raw[:n]
            self._frame_left -= n
        return bytes(out)

    def shutdown(self) -> None:
        """End the stream from any thread: a `recv` waiting on it returns b'' at once."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
