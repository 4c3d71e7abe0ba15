from webclient import Client, FakeTransport, Response


def test_json_body_and_headers():
    transport = FakeTransport([Response(200, body=b'{"ok": true}')])
    client = Client("https://api.example", transport=transport)
    response = client.request("put", "/items/1", json={"a": 1}, headers={"X-Trace": "t"})
    sent = transport.requests[0]
    assert response.json() == {"ok": True}
    assert sent.method == "PUT"
    assert sent.body == b'{"a": 1}'
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Trace"] == "t"


def test_base_url_join():
    transport = FakeTransport([Response(200)])
    Client("https://api.example/v1/", transport=transport).request("GET", "/users")
    assert transport.requests[0].url == "https://api.example/v1/users"
