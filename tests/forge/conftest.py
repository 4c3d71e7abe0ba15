"""Fixtures: a `FakeGitHub` served over real HTTP by pytest-httpserver."""

from __future__ import annotations

import pytest
from fakegh import TOKEN, serve

from devagent.forge.fake import FakeGitHub


@pytest.fixture
def github(httpserver) -> tuple[FakeGitHub, str]:
    """(fake, api_url) for github.com-style paths."""
    fake = FakeGitHub(token=TOKEN)
    fake.add_issue("acme", "widgets", 7, "Parser drops ints", "Steps: ...", ("bug", "devagent"))
    fake.roles.update({"maintainer": "maintain", "triager": "triage", "writer": "write"})
    return fake, serve(httpserver, fake)
