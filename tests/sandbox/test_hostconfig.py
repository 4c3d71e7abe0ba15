"""The host's index configuration, read once and reused while its sources are unchanged."""

from __future__ import annotations

import json
import os
import time

from sandbox.hostconfig import HOST_CONFIG_TTL_S, cached_host_config


def test_the_host_configuration_is_reused_until_a_source_changes(tmp_path):
    """pip and npm are asked once; the answer is reused while no config file or variable they
    read changed, and for at most an hour."""
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    pip_conf = home / ".config" / "pip" / "pip.conf"
    pip_conf.write_text("[global]\nindex-url = http://first.invalid/simple\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    cache = tmp_path / "cache"
    first = cached_host_config(cache, environ=env)
    assert first.pip_index_url == "http://first.invalid/simple"

    stored = json.loads((cache / "host-config.json").read_text())
    stored["config"]["npm_registry"] = "http://from-the-cache.invalid/"
    (cache / "host-config.json").write_text(json.dumps(stored))
    assert cached_host_config(cache, environ=env).npm_registry == "http://from-the-cache.invalid/"
    later = time.time() + HOST_CONFIG_TTL_S + 1
    assert cached_host_config(cache, environ=env, now=later).npm_registry != (
        "http://from-the-cache.invalid/"
    )

    pip_conf.write_text("[global]\nindex-url = http://second.invalid/simple\n")
    assert cached_host_config(cache, environ=env).pip_index_url == "http://second.invalid/simple"
