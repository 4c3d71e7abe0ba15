"""Host index configuration: apt sources parsing, pip config parsing, credential stripping."""

from __future__ import annotations

from pathlib import Path

from sandbox.hostconfig import (
    HostIndexConfig,
    build_host_config,
    parse_deb822_sources,
    parse_pip_config,
    parse_sources_list,
    pick_debian_mirror,
    read_apt_uris,
    render_npmrc,
    render_pip_conf,
    strip_credentials,
)

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

Types: deb
URIs: http://disabled.example/debian
Enabled: no
Suites: bookworm
"""


def test_deb822_keeps_enabled_binary_stanzas_only() -> None:
    assert parse_deb822_sources(DEB822) == [
        "http://deb.debian.org/debian",
        "http://deb.debian.org/debian-security",
    ]


def test_one_line_sources_skip_comments_src_and_options() -> None:
    text = (
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n"
        "deb http://user:secret@private.example/debian bookworm main # trailing\n"
    )
    assert parse_sources_list(text) == [
        "http://mirror.example/debian",
        "http://private.example/debian",
    ]


def test_debian_mirror_is_the_main_archive_not_security_or_third_party() -> None:
    uris = [
        "https://deb.nodesource.com/node_20.x",
        "http://deb.debian.org/debian-security",
        "http://mirror.example/debian/",
    ]
    assert pick_debian_mirror(uris) == "http://mirror.example/debian"
    assert pick_debian_mirror(["https://deb.nodesource.com/node_20.x"]) == ""
    assert pick_debian_mirror(uris, "debian-security") == "http://deb.debian.org/debian-security"


def test_apt_dir_reads_both_formats_and_ignores_disabled_files(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb http://one.example/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "x.sources.disabled-by-farm").write_text(
        "Types: deb\nURIs: http://off.example/debian\n"
    )
    uris = read_apt_uris(tmp_path)
    assert uris[0] == "http://one.example/debian"
    assert "http://off.example/debian" not in uris
    assert "http://deb.debian.org/debian" in uris


def test_strip_credentials_removes_user_password_and_query() -> None:
    assert strip_credentials("https://bob:s3cr3t@pypi.corp/simple?token=abc") == (
        "https://pypi.corp/simple"
    )
    assert strip_credentials("https://__token__@npm.corp:8443/reg/") == "https://npm.corp:8443/reg/"
    assert strip_credentials("/opt/wheels") == "/opt/wheels"


PIP_CONFIG_LIST = """\
:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple https://u:p@extra.example/simple'
global.index-url='https://alice:pw@pypi.mirror.example/simple'
global.trusted-host='pypi.mirror.example'
"""


def test_pip_config_parses_files_and_lets_given_variables_win() -> None:
    values = parse_pip_config(PIP_CONFIG_LIST, {"PIP_INDEX_URL": "https://env.example/simple"})
    assert values["index-url"] == "https://env.example/simple"
    assert values["cert"] == "/etc/ssl/certs/ca-certificates.crt"
    assert "constraint" not in values and "find-links" not in values


def test_host_config_drops_credentials_and_host_only_locations(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    values = parse_pip_config(PIP_CONFIG_LIST, None) | {"cert": str(bundle)}
    config = build_host_config(
        apt_uris=parse_deb822_sources(DEB822),
        pip_values=values,
        npm_registry="https://tok:en@registry.npmjs.org/",
    )
    assert config == HostIndexConfig(
        apt_mirror="http://deb.debian.org/debian",
        apt_security_mirror="http://deb.debian.org/debian-security",
        pip_index_url="https://pypi.mirror.example/simple",
        pip_extra_index_urls=("https://extra.example/simple",),
        pip_trusted_hosts=("pypi.mirror.example",),
        npm_registry="https://registry.npmjs.org/",
        ca_bundle=bundle,
    )
    rendered = render_pip_conf(config, "/ca.crt") + render_npmrc(config, "/ca.crt")
    assert "alice" not in rendered and "tok" not in rendered and "file://" not in rendered
    assert "cert = /ca.crt" in rendered and "cafile=/ca.crt" in rendered
    assert "index-url = https://pypi.mirror.example/simple" in rendered


def test_default_pip_config_renders_no_index_url() -> None:
    text = render_pip_conf(HostIndexConfig(), "/ca.crt")
    assert "index-url" not in text
    assert "registry=" not in render_npmrc(HostIndexConfig(), "/ca.crt")
