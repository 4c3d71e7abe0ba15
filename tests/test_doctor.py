"""`devagent doctor`'s image checks: the recipes in the installed package and the base image."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devagent.doctor import check_image, check_recipes
from sandbox.imagebuild import HASH_LABEL
from sandbox.images import base_recipe_hash


@dataclass
class FakeImage:
    labels: dict[str, str]
    short_id: str = "sha256:0123456789ab"


@dataclass
class FakeImages:
    found: dict[str, FakeImage] = field(default_factory=dict)

    def get(self, name: str) -> FakeImage:
        if name not in self.found:
            raise LookupError(name)
        return self.found[name]


@dataclass
class FakeClient:
    images: FakeImages


def test_recipes_are_found_in_the_sandbox_package_with_their_hash():
    check, digest = check_recipes()
    assert check.ok
    assert (Path(check.detail) / "base" / "Dockerfile").is_file()
    assert Path(check.detail).parent.name == "sandbox"
    assert digest == base_recipe_hash()


def test_a_base_image_built_from_these_recipes_is_ok_without_a_fix():
    client = FakeClient(FakeImages({"devagent/base:latest": FakeImage({HASH_LABEL: "abc"})}))
    check = check_image(client, "devagent/base:latest", "abc")
    assert (check.ok, check.detail, check.fix) == (
        True,
        "devagent/base:latest (0123456789ab)",
        "",
    )


def test_a_base_image_built_from_other_recipes_says_the_next_run_rebuilds_it():
    client = FakeClient(FakeImages({"devagent/base:latest": FakeImage({HASH_LABEL: "old"})}))
    check = check_image(client, "devagent/base:latest", "new")
    assert check.ok
    assert "built from other recipes" in check.detail
    assert check.fix == "devagent images ensure"


def test_a_missing_base_image_fails_with_the_command_that_builds_it():
    check = check_image(FakeClient(FakeImages()), "devagent/base:latest", "abc")
    assert (check.ok, check.fix) == (False, "devagent images ensure")


@dataclass
class FakeDaemon:
    """Only what `check_runsc` asks before its probe: the daemon's runtimes."""

    runtimes: dict[str, dict]

    def info(self) -> dict:
        return {"Runtimes": self.runtimes}


def test_runsc_not_registered_is_a_warning_naming_the_setup_that_registers_it():
    from devagent.doctor import check_runsc

    check = check_runsc(FakeDaemon({"runc": {"path": "runc"}}), "devagent/base:latest")
    assert (check.ok, check.required, check.detail) == (False, False, "not registered with Docker")
    assert "images/ensure-runsc.sh" in check.fix
