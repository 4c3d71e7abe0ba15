import pytest

from webclient import FakeTransport, Request, Response


def test_fake_transport_runs_out():
    transport = FakeTransport([Response(200)])
    assert transport.send(Request("GET", "u")).status == 200
    with pytest.raises(RuntimeError, match="no response left"):
        transport.send(Request("GET", "u"))
    assert len(transport.requests) == 2
