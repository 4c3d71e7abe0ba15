"""The shipped GitHub Actions workflow keeps untrusted input and secrets apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).parents[2] / "examples" / "github-actions" / "devagent.yml"


def load() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def steps() -> list[dict[str, Any]]:
    return load()["jobs"]["solve"]["steps"]


def test_triggers_only_on_labeled_issues_with_minimal_permissions():
    workflow = load()
    assert workflow[True] == {"issues": {"types": ["labeled"]}}  # YAML 1.1 reads `on` as True
    assert workflow["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    assert workflow["jobs"]["solve"]["if"] == "github.event.label.name == 'devagent'"


def test_issue_text_never_reaches_a_shell():
    for step in steps():
        assert "github.event" not in step.get("run", "")


def test_secrets_only_in_the_devagent_step_and_no_persisted_credentials():
    checkouts = [s for s in steps() if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts and all(c["with"]["persist-credentials"] is False for c in checkouts)
    with_secrets = [s for s in steps() if "secrets." in str(s)]
    assert [s["run"] for s in with_secrets] == ["devagent ci --label devagent --repo ."]
    assert set(with_secrets[0]["env"]) == {"GITHUB_TOKEN", "OPENAI_API_KEY", "DEVAGENT_MODEL"}


def test_devagent_is_installed_as_a_package_never_from_a_checkout_of_its_source():
    checkouts = [s for s in steps() if s.get("uses", "").startswith("actions/checkout")]
    assert [c.get("with", {}).get("repository") for c in checkouts] == [None]
    (install,) = [s for s in steps() if s.get("name") == "Install devagent"]
    assert install["run"].startswith("pipx install ")
    assert install["env"] == {"DEVAGENT_PACKAGE": "${{ vars.DEVAGENT_PACKAGE }}"}
