from webclient import Client, FakeTransport, Response, RetryPolicy


def make(responses, **policy):
    transport = FakeTransport(responses)
    sleeps = []
    client = Client("https://pay.example", transport=transport, retry=RetryPolicy(**policy),
                    sleep=sleeps.append)
    return client, transport, sleeps


def test_get_retried_until_success():
    client, transport, sleeps = make([Response(503), Response(502), Response(200)])
    assert client.request("GET", "/status").status == 200
    assert len(transport.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_gives_up_after_max_attempts():
    client, transport, _ = make([Response(503)] * 3, max_attempts=3)
    assert client.request("DELETE", "/x").status == 503
    assert len(transport.requests) == 3


def test_client_error_not_retried():
    client, transport, _ = make([Response(404)])
    assert client.request("GET", "/missing").status == 404
    assert len(transport.requests) == 1


def test_post_is_not_retried():
    client, transport, sleeps = make([Response(503), Response(201)])
    assert client.request("POST", "/charges", json={"amount": 100}).status == 503
    assert len(transport.requests) == 1
    assert sleeps == []


def test_post_with_idempotency_key_is_retried():
    client, transport, _ = make([Response(503), Response(201)])
    response = client.request("POST", "/charges", json={"amount": 1},
                              headers={"Idempotency-Key": "k-1"})
    assert response.status == 201
    assert len(transport.requests) == 2


def test_retry_after_header_sets_delay():
    client, _, sleeps = make([Response(429, headers={"retry-after": "7"}), Response(503),
                              Response(200)])
    assert client.request("GET", "/x").status == 200
    assert sleeps == [7.0, 1.0]
