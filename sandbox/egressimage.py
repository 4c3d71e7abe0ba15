"""`ensure_egress_image`: the squid image of `--network allow:`, built from recipes/egress."""

from __future__ import annotations

import tempfile
from pathlib import Path

import docker

from sandbox.imagebuild import HASH_LABEL, BuildSpec, Progress, labelled_image, run_build
from sandbox.images import IMAGES_DIR, ensure_base_image
from sandbox.imagestore import mark_used
from sandbox.toolchain import content_hash

EGRESS_TAG = "devagent/egress:latest"


def egress_recipe_hash(base_id: str, images_dir: Path = IMAGES_DIR) -> str:
    """Hash of what the proxy image is built from: its recipe and the base image."""
    dockerfile = (images_dir / "egress" / "Dockerfile").read_bytes()
    return content_hash([("egress/Dockerfile", dockerfile), ("base-image", base_id.encode())])


def ensure_egress_image(
    client: docker.DockerClient,
    *,
    on_progress: Progress | None = None,
    images_dir: Path = IMAGES_DIR,
) -> str:
    """Make sure `devagent/egress:latest` exists and matches its recipe and the base image (built
    when missing, with apt inside the build); return its tag."""
    base_id = ensure_base_image(client=client, on_progress=on_progress, images_dir=images_dir)
    digest = egress_recipe_hash(base_id, images_dir)
    if labelled_image(client, EGRESS_TAG, digest):
        mark_used(client, EGRESS_TAG)
        return EGRESS_TAG
    if on_progress is not None:
        on_progress(f"building {EGRESS_TAG} (squid, for --network allow:)")
    with tempfile.TemporaryDirectory(prefix="devagent-egress-") as context:
        recipe = (images_dir / "egress" / "Dockerfile").read_bytes()
        (Path(context) / "Dockerfile").write_bytes(recipe)
        spec = BuildSpec(Path(context), EGRESS_TAG, {"BASE": base_id}, {HASH_LABEL: digest})
        run_build(client, spec, on_progress)
    return EGRESS_TAG
