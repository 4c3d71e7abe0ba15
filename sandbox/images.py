"""Sandbox images: the base image, its offline rootfs bootstrap, and per-repository env images.

`ensure_base_image` builds `devagent/base:latest` from images/base/Dockerfile, on top of
`debian:bookworm-slim` when a registry can be reached, otherwise on a rootfs made with
debootstrap from the host's Debian mirror (images/bootstrap-rootfs.sh). `ensure_env_image` builds
`devagent/env:<hash>` for a repository from images/<toolchain>/Dockerfile, its dependency
manifests and the host's index configuration. Every image carries the hash of what it was built
from as a label, so an unchanged recipe is never built twice.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections import deque
from pathlib import Path

import docker
import docker.errors

from sandbox.errors import ImageBuildError
from sandbox.hostconfig import (
    HostIndexConfig,
    describe,
    read_host_config,
    render_npmrc,
    render_pip_conf,
)
from sandbox.imagebuild import TAIL_LINES, BuildSpec, Progress, connect, run_build
from sandbox.toolchain import (
    Toolchain,
    ToolchainKind,
    content_hash,
    detect_toolchain,
    manifest_parts,
)

IMAGES_DIR = Path(__file__).resolve().parent.parent / "images"
BASE_TAG = "devagent/base:latest"
ROOTFS_TAG = "devagent/rootfs:bookworm"
REGISTRY_BASE = "debian:bookworm-slim"
ENV_REPOSITORY = "devagent/env"
HASH_LABEL = "devagent.image.hash"
TOOLCHAIN_LABEL = "devagent.toolchain"
IMAGE_CA_PATH = "/etc/ssl/certs/devagent-ca.crt"

__all__ = [
    "BASE_TAG",
    "ENV_REPOSITORY",
    "HASH_LABEL",
    "IMAGES_DIR",
    "ROOTFS_TAG",
    "base_recipe_hash",
    "ensure_base_image",
    "ensure_env_image",
    "env_context_files",
]


def _quiet(_: str) -> None:
    return None


@functools.lru_cache(maxsize=1)
def _host_config_of_this_process() -> HostIndexConfig:
    return read_host_config()


def _labelled_image(client: docker.DockerClient, tag: str, digest: str) -> str | None:
    """The id of `tag` when it exists and was built from the recipe with hash `digest`."""
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    labels = image.attrs.get("Config", {}).get("Labels") or {}
    return str(image.id) if labels.get(HASH_LABEL) == digest else None


def base_recipe_hash(images_dir: Path = IMAGES_DIR) -> str:
    """Hash of the base Dockerfile and the bootstrap script (what the base image is built from)."""
    names = ("base/Dockerfile", "bootstrap-rootfs.sh")
    missing = [name for name in names if not (images_dir / name).is_file()]
    if missing:
        raise ImageBuildError(
            f"image recipes not found: {', '.join(missing)} under {images_dir} "
            "(run from a devagent checkout, or pass images_dir=)",
            step="read recipes",
        )
    return content_hash((name, (images_dir / name).read_bytes()) for name in names)


def ensure_base_image(
    *,
    rebuild: bool = False,
    client: docker.DockerClient | None = None,
    on_progress: Progress | None = None,
    host: HostIndexConfig | None = None,
    images_dir: Path = IMAGES_DIR,
) -> str:
    """Make sure `devagent/base:latest` exists and matches images/base; return its image id.

    `host` defaults to this host's configuration (apt mirror for the build and the bootstrap).
    `rebuild` rebuilds the base image without the layer cache; a cached offline rootfs is still
    reused."""
    client = connect(client)
    say = on_progress or _quiet
    digest = base_recipe_hash(images_dir)
    existing = None if rebuild else _labelled_image(client, BASE_TAG, digest)
    if existing:
        say(f"{BASE_TAG} is up to date ({existing[:19]})")
        return existing
    host = host or _host_config_of_this_process()
    say(f"building {BASE_TAG} ({describe(host)})")
    base = _debian_base(client, host, say, images_dir)
    buildargs = {
        "BASE": base,
        "APT_MIRROR": host.apt_mirror,
        "APT_SECURITY_MIRROR": host.apt_security_mirror,
    }
    spec = BuildSpec(images_dir / "base", BASE_TAG, buildargs, {HASH_LABEL: digest}, rebuild)
    return run_build(client, spec, say)


def _debian_base(
    client: docker.DockerClient, host: HostIndexConfig, say: Progress, images_dir: Path
) -> str:
    """debian:bookworm-slim when present or pullable, otherwise the bootstrapped rootfs."""
    try:
        client.images.get(REGISTRY_BASE)
        return REGISTRY_BASE
    except docker.errors.ImageNotFound:
        pass
    try:
        say(f"pulling {REGISTRY_BASE}")
        client.images.pull(REGISTRY_BASE)
        return REGISTRY_BASE
    except docker.errors.APIError as exc:
        say(f"cannot pull {REGISTRY_BASE} ({exc.explanation}); using the offline bootstrap")
    return _ensure_rootfs(client, host, say, images_dir)


def _ensure_rootfs(
    client: docker.DockerClient, host: HostIndexConfig, say: Progress, images_dir: Path
) -> str:
    """The debootstrapped `devagent/rootfs:bookworm`, made once per script and mirror."""
    script = images_dir / "bootstrap-rootfs.sh"
    digest = content_hash([("script", script.read_bytes()), ("mirror", host.apt_mirror.encode())])
    if _labelled_image(client, ROOTFS_TAG, digest):
        say(f"reusing {ROOTFS_TAG}")
        return ROOTFS_TAG
    step = f"debootstrap --variant=minbase bookworm from {host.apt_mirror or '(no mirror)'}"
    if not host.apt_mirror:
        raise ImageBuildError(
            "no Debian mirror found in the host's apt sources (/etc/apt/sources.list, "
            "sources.list.d/*.sources); the offline bootstrap needs one",
            step=step,
        )
    say(f"bootstrapping {ROOTFS_TAG}: {step} (about a minute)")
    argv = ["bash", str(script), host.apt_mirror, ROOTFS_TAG, f"{HASH_LABEL}={digest}"]
    _run_streamed(argv, step=step, say=say)
    return ROOTFS_TAG


def _run_streamed(argv: list[str], *, step: str, say: Progress) -> None:
    """Run a command, passing its output lines on; a failure raises with the log's tail."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except OSError as exc:
        raise ImageBuildError(f"{step}: cannot run {argv[0]}: {exc}", step=step) from exc
    assert proc.stdout is not None
    with proc:
        for raw in proc.stdout:
            line = raw.rstrip()
            tail.append(line)
            say(line)
    if proc.returncode != 0:
        log_tail = "\n".join(tail)
        raise ImageBuildError(
            f"{step} failed (exit {proc.returncode})\n--- last lines ---\n{log_tail}",
            step=step,
            log_tail=log_tail,
        )


def env_context_files(
    repo: Path, toolchain: Toolchain, host: HostIndexConfig, images_dir: Path = IMAGES_DIR
) -> dict[str, bytes]:
    """The build context of an env image: the toolchain's recipe files, the host's index
    configuration and CA bundle under host/, and the repository's manifests under manifests/."""
    files: dict[str, bytes] = {}
    recipe = images_dir / toolchain.name
    for path in sorted(recipe.iterdir()):
        if path.is_file():
            files[path.name] = path.read_bytes()
    files["host/pip.conf"] = render_pip_conf(host, IMAGE_CA_PATH).encode()
    files["host/npmrc"] = render_npmrc(host, IMAGE_CA_PATH).encode()
    files["host/ca.crt"] = host.ca_bundle.read_bytes() if host.ca_bundle else b""
    for name, data in manifest_parts(repo, toolchain):
        files[name.replace("manifest/", "manifests/", 1)] = data
    return files


def ensure_env_image(
    repo: Path,
    *,
    client: docker.DockerClient | None = None,
    on_progress: Progress | None = None,
    rebuild: bool = False,
    host: HostIndexConfig | None = None,
    images_dir: Path = IMAGES_DIR,
) -> str:
    """Make sure the env image for `repo` exists; return its tag (`devagent/base:latest` when no
    toolchain is recognised). The tag hashes the manifests, the recipe, the index configuration
    and the base image, so an unchanged repository reuses its image."""
    client = connect(client)
    say = on_progress or _quiet
    base_id = ensure_base_image(client=client, on_progress=say, host=host, images_dir=images_dir)
    toolchain = detect_toolchain(repo)
    if toolchain.kind is ToolchainKind.BASE:
        return BASE_TAG
    host = host or _host_config_of_this_process()
    files = env_context_files(repo, toolchain, host, images_dir)
    digest = content_hash([*files.items(), ("base-image", base_id.encode())])
    tag = f"{ENV_REPOSITORY}:{digest[:16]}"
    if not rebuild and _labelled_image(client, tag, digest):
        say(f"{tag} is up to date ({toolchain.name}: {', '.join(toolchain.manifests)})")
        return tag
    say(f"building {tag} for {toolchain.name} ({', '.join(toolchain.manifests)})")
    with tempfile.TemporaryDirectory(prefix="devagent-env-") as context:
        for name, data in files.items():
            path = Path(context) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        labels = {HASH_LABEL: digest, TOOLCHAIN_LABEL: toolchain.name}
        spec = BuildSpec(Path(context), tag, {"BASE": base_id}, labels, rebuild)
        run_build(client, spec, say)
    return tag
