"""What a venv volume is made of, read from labels alone: a layered env volume lists itself,
its dependency volume (with that one's parts and seed) and its own parts; a missing one is
still listed. The image's label names the volume."""

from __future__ import annotations

from sandbox.venvvolume import LOWER_LABEL, PARTS_LABEL, VENV_LABEL, image_volume, made_of

LABELS = {
    "env": {LOWER_LABEL: "deps", PARTS_LABEL: "env-upper,env-work"},
    "deps": {LOWER_LABEL: "seed", PARTS_LABEL: "deps-upper,deps-work"},
    "seed": {},
    "env-upper": {},
    "env-work": {},
    "deps-upper": {},
    "deps-work": {},
}


def test_a_layered_volume_is_made_of_its_lower_stack_and_its_parts() -> None:
    assert made_of("env", LABELS) == [
        "env",
        "deps",
        "seed",
        "deps-upper",
        "deps-work",
        "env-upper",
        "env-work",
    ]


def test_a_volume_whose_labels_are_unknown_is_listed_alone() -> None:
    assert made_of("gone", LABELS) == ["gone"]
    assert made_of("plain", {"plain": {LOWER_LABEL: "gone"}}) == ["plain", "gone"]


def test_the_image_label_names_the_volume() -> None:
    assert image_volume({"Config": {"Labels": {VENV_LABEL: "devagent-venv-1"}}}) == (
        "devagent-venv-1"
    )
    assert image_volume({"Config": {"Labels": None}}) == ""
