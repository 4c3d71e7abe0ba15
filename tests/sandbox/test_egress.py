"""The egress allowlist's pure core: the list, the registries preset, squid's config, its log."""

from __future__ import annotations

import json
import os

import pytest

from sandbox.egress import (
    AllowlistError,
    EgressEvent,
    EgressRule,
    denial_note,
    deny_pages,
    needs_registries,
    parse_allowlist,
    parse_log_line,
    registry_rules,
    squid_conf,
)
from sandbox.hostconfig import HostIndexConfig, read_host_config
from sandbox.proxy import host_addresses

PRESET = (EgressRule("pypi.org"), EgressRule("files.pythonhosted.org"))


def test_entries_are_hosts_ports_domains_addresses_and_the_preset():
    rules = parse_allowlist(
        "allow:Example.COM, api.example.com:8443,*.githubusercontent.com,93.184.216.34,registries",
        PRESET,
    )
    assert [str(r) for r in rules] == [
        "example.com",
        "api.example.com:8443",
        "*.githubusercontent.com",
        "93.184.216.34",
        "pypi.org",
        "files.pythonhosted.org",
    ]
    assert rules[2].host == ".githubusercontent.com"
    assert rules[1].port == 8443


def test_duplicates_and_empty_entries_are_dropped():
    assert parse_allowlist("allow:pypi.org,,pypi.org,registries", PRESET) == PRESET
    assert parse_allowlist("allow:") == ()


def test_an_url_entry_keeps_its_host_and_port():
    assert parse_allowlist("allow:https://mirror.example:8443/simple") == (
        EgressRule("mirror.example", 8443),
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("allow:bad host", "not a host name"),
        ("allow:pypi.org:0", "port"),
        ("allow:pypi.org:http", "port"),
        ("allow:::1", "IPv6"),
        ("allow:exa_mple.com", "not a host name"),
    ],
)
def test_a_bad_entry_is_named(text, says):
    with pytest.raises(AllowlistError, match=says):
        parse_allowlist(text)


def test_needs_registries_only_when_the_preset_is_named():
    assert needs_registries("allow:pypi.org, Registries")
    assert not needs_registries("allow:pypi.org,registries.example.com")


def test_registries_default_to_pypi_and_npm_when_nothing_is_configured():
    assert [str(r) for r in registry_rules(HostIndexConfig())] == [
        "pypi.org",
        "files.pythonhosted.org",
        "registry.npmjs.org",
    ]


def test_registries_are_the_configured_indexes_http_hosts_only():
    host = HostIndexConfig(
        pip_index_url="https://mirror.corp.example/pypi/simple",
        pip_extra_index_urls=("http://extra.example:8080/simple", "file:///opt/wheels"),
        npm_registry="https://npm.corp.example/",
    )
    assert [str(r) for r in registry_rules(host)] == [
        "mirror.corp.example",
        "extra.example:8080",
        "npm.corp.example",
    ]


def test_an_extra_index_alone_keeps_the_default_index():
    host = HostIndexConfig(pip_extra_index_urls=("https://extra.example/simple",))
    assert [str(r) for r in registry_rules(host)][:3] == [
        "pypi.org",
        "files.pythonhosted.org",
        "extra.example",
    ]


def test_the_preset_is_read_from_pip_and_npm_config_files(tmp_path):
    """Fake ~/.config/pip/pip.conf and ~/.npmrc: their indexes are the preset; a file:// index
    and the credentials in a URL are left out."""
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(
        "[global]\nindex-url = https://user:secret@pypi.corp.example/simple\n"
        "extra-index-url = file:///srv/wheels https://extra.corp.example/simple\n"
    )
    (home / ".npmrc").write_text("registry=https://npm.corp.example:4873/\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_CONFIG_DIRS": str(tmp_path)}
    rules = registry_rules(read_host_config(environ=env, apt_dir=tmp_path))
    assert [str(r) for r in rules] == [
        "pypi.corp.example",
        "extra.corp.example",
        "npm.corp.example:4873",
    ]


def test_the_preset_follows_pip_index_url_in_the_environment(tmp_path):
    env = {
        "HOME": str(tmp_path),
        "PATH": os.environ["PATH"],
        "PIP_INDEX_URL": "https://env-index.example/simple",
        "PIP_CONFIG_FILE": os.devnull,
    }
    rules = registry_rules(read_host_config(environ=env, apt_dir=tmp_path))
    assert str(rules[0]) == "env-index.example"


def test_squid_config_checks_the_list_before_resolving_and_blocks_private_addresses():
    conf = squid_conf(
        (EgressRule("pypi.org"), EgressRule(".example.com", 8443), EgressRule("93.184.216.34")),
        client_network="172.30.0.0/16",
        blocked=["192.0.2.2"],
    )
    lines = conf.splitlines()
    assert "acl sandbox src 172.30.0.0/16" in lines
    assert "acl r0_host dstdomain pypi.org" in lines
    assert "acl r0_port port 80 443" in lines
    assert "acl r1_port port 8443" in lines
    assert "acl r2_host dst 93.184.216.34/32" in lines
    blocked = next(line for line in lines if line.startswith("acl blocked dst "))
    for net in ("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "127.0.0.0/8", "192.0.2.2"):
        assert net in blocked.split()
    access = [line for line in lines if line.startswith("http_access")]
    assert access == [
        "http_access deny !sandbox",
        "http_access deny !listed",
        "http_access deny blocked",
        "http_access allow listed",
        "http_access deny all",
    ]


def test_an_empty_list_allows_nothing():
    conf = squid_conf((), client_network="172.30.0.0/16")
    assert "acl listed src 255.255.255.255/32" in conf.splitlines()


def test_the_deny_page_names_the_destination_and_the_flag():
    pages = deny_pages("allow:registries")
    assert pages["ERR_NOT_LISTED"] == (
        "devagent: egress to %H:%p is not on the allowlist (--network allow:registries)\n"
    )
    assert "private" in pages["ERR_BLOCKED"]


def test_log_lines_become_events():
    allowed = parse_log_line("1796207012.825 CONNECT pypi.org 443 200 TCP_TUNNEL")
    denied = parse_log_line("1796207013.094 GET example.org 80 403 TCP_DENIED")
    assert allowed == EgressEvent(1796207012.825, "pypi.org", 443, True, "CONNECT", 200)
    assert denied == EgressEvent(1796207013.094, "example.org", 80, False, "GET", 403)
    assert json.loads(denied.to_json())["allowed"] is False
    assert parse_log_line("2026/12/02 10:23:20| Accepting HTTP Socket connections") is None


def test_the_note_names_refused_destinations_once():
    events = [
        EgressEvent(1.0, "example.org", 443, False),
        EgressEvent(2.0, "example.org", 443, False),
        EgressEvent(3.0, "pypi.org", 443, True),
    ]
    assert denial_note(events, "allow:registries") == (
        "[devagent: egress refused to example.org:443; the sandbox may reach only allow:registries]"
    )
    assert denial_note(events[2:], "allow:registries") == ""


def test_host_addresses_are_the_local_ones_outside_private_ranges(tmp_path):
    trie = tmp_path / "fib_trie"
    trie.write_text(
        "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n"
        "     |-- 192.0.2.2\n        /32 host LOCAL\n     |-- 192.0.2.255\n"
        "        /32 link BROADCAST\n     |-- 127.0.0.1\n        /32 host LOCAL\n"
        "     |-- 198.51.100.7\n        /32 host LOCAL\n"
    )
    assert host_addresses(trie) == ["192.0.2.2", "198.51.100.7"]
    assert host_addresses(tmp_path / "missing") == []
