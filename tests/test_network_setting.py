"""`--network` and the config's `network`: all of it, none, or an `allow:` list checked early."""

from __future__ import annotations

import pytest

from devagent.assembly import network_fields, sandbox_config
from devagent.cli import build_parser
from devagent.commands.solvecmd import SolveCommand
from devagent.config import ConfigError, load_settings, network_setting


@pytest.mark.parametrize(
    ("given", "setting"),
    [
        (True, True),
        (False, False),
        ("bridge", True),
        ("none", False),
        ("allow:registries,example.com:8443", "allow:registries,example.com:8443"),
    ],
)
def test_network_settings(given, setting):
    assert network_setting(given) == setting


def test_an_unknown_network_word_is_refused():
    with pytest.raises(ValueError, match="true, false or allow:LIST"):
        network_setting("host")


def test_a_config_file_allow_list_with_a_bad_entry_names_the_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('network = "allow:registries,not a host"\n')
    with pytest.raises(ConfigError, match="network") as caught:
        load_settings({}, None, {"DEVAGENT_CONFIG": str(config), "HOME": str(tmp_path)})
    assert "not a host" in str(caught.value)


def test_the_person_config_may_set_an_allow_list(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('network = "allow:pypi.org"\n')
    settings = load_settings({}, None, {"DEVAGENT_CONFIG": str(config), "HOME": str(tmp_path)})
    assert settings.network == "allow:pypi.org"
    assert settings.chat.network is False


def _solve(*argv: str) -> SolveCommand:
    return SolveCommand.from_args(build_parser().parse_args(["solve", *argv]))


def test_the_flag_alone_is_the_whole_network_and_leaves_the_issue_after_it():
    command = _solve("--network", "issue.md")
    assert (command.network, command.issue) == (True, "issue.md")


def test_the_flag_takes_an_allow_list():
    command = _solve("--network", "allow:registries,*.example.com", "issue.md")
    assert (command.network, command.issue) == ("allow:registries,*.example.com", "issue.md")


def test_a_bad_allow_list_stops_the_parse(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["chat", "--network", "allow:pypi.org:99999"])
    assert "--network: 'pypi.org:99999': the port must be" in capsys.readouterr().err


def test_an_allow_list_becomes_the_sandbox_allowlist(tmp_path):
    config = sandbox_config(
        "img", None, network="allow:Example.com:8443,pypi.org", egress_log=tmp_path / "egress.jsonl"
    )
    assert (config.network, config.allow) == ("allow", ("example.com:8443", "pypi.org"))
    assert config.egress_log == tmp_path / "egress.jsonl"
    assert network_fields(True) == {"network": "bridge"}
    assert network_fields(False) == {"network": "none"}


def test_the_registries_preset_is_expanded_from_the_host_configuration():
    allow = network_fields("allow:registries")["allow"]
    assert allow
    assert "registries" not in allow
