"""Benchmark: the cold build of each real task's env image (both layers), pip vs uv vs volume.

For each task in tasks/real (in id order, `--tasks id,id` to limit), from its base sdist tree
dated at the sdist's upload time, the dependency image and the project image are built three
ways in the same run, and timed from the first build step to the last:

(a) pip: the same recipe with pip (>= 26, in the build's tools venv) as the installer
    (`PythonEnvRequest.installer = "pip"`, which only this script sets). Same versions: pip
    gets the same date cut as uv through its own option (`--uploaded-prior-to`, from
    PIP_UPLOADED_PRIOR_TO); the spec's pins become constraints (pip has no overrides).
(b) uv: the Dockerfile recipe with uv (`uv pip install --exclude-newer`): production's where
    the venv cannot live in a volume.

Both share what Docker's layer cache shares between repositories: the base image and the tools
venv layer (uv, pip and an empty /opt/venv, built once per base image from files no repository
can touch; every repository's files are copied after it, so one repository's build, setup
script included, cannot change what another's starts from). No package layer or download
cache is shared beyond that. Measured here, most tasks' uv install takes about a second and the
Docker steps around it (container start and layer commit per instruction) take the rest; a
shared layer of test tools would add steps of its own and is reused only when another
repository's dependencies, resolved as of its own date, come out the same, which the real tasks'
dates (2022-2026) rarely do. Downloads matter for large dependency sets only (a 43-package
set: 6.7 s), and the classic builder has no read-only mount to feed a verified wheel cache
through without baking it into the image or serving it over the network.

"Cold" means no image of that repository exists: each build's spec.json carries a nonce, so
Docker's layer cache gives nothing from the repository's manifests on (not even from an earlier
run of devagent itself), while the shared layers before them are reused as in production. One
untimed warm-up build per Debian suite makes those shared layers exist first (as after any
first build); a fully cold build of the first task (no layer cache at all; (a) and (b) only) is
reported apart. The recipes alternate which goes first from task to task. Images are tagged
under `devagent-imgbench/` and labelled `devagent.imgbench`, and so are (c)'s volumes; only those
are removed (at the end, and leftovers of an earlier run at the start); nothing is pruned.

(c) volume: the production build as sandbox.pyimage chooses it (the column the goal is
    measured by): for a task whose venv can
    live in a volume (sandbox.pyimage.volume_backed: no apt, pre_install or setup script), the
    venv goes into a Docker volume with one container and one small commit per layer
    (sandbox.pyvolume) on the shared tools image; for the others, (b). Nothing of the
    repository is cached either way (no Dockerfile step of it), so it needs no nonce.
    `vol/pip` is its ratio to (a). Its volumes carry the benchmark's label and are removed
    with its images.

A further column can time uv with the python recipe as of `--before` (exported with git
archive; off by default: see BEFORE), and another (`--volume-at REV`) the volume build of an
older devagent, run by that revision's own benchmark in a child process: a change to the
volume build is then compared under the same load.

    python perf/imagebuild_bench.py [--tasks id,id] [--no-fully-cold] [--before REV]
        [--today REV] [--volume-at REV]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import docker
import docker.errors

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.bench.realtask import RealTask, load_real_tasks  # noqa: E402
from devagent.bench.sdist import unpack_release  # noqa: E402
from sandbox.commitbuild import TreeCopy  # noqa: E402
from sandbox.errors import SandboxError  # noqa: E402
from sandbox.hostconfig import HostIndexConfig, read_host_config  # noqa: E402
from sandbox.imagebuild import BuildSpec, run_build, write_context  # noqa: E402
from sandbox.images import IMAGES_DIR, ensure_base_image  # noqa: E402
from sandbox.pyimage import (  # noqa: E402
    PROJECT_RECIPE,
    SKIPPED_DIRS,
    SPEC_FILE,
    PythonEnvRequest,
    deps_context,
    exclude_newer,
    volume_backed,
)
from sandbox.pyversion import choose_python, python_hints  # noqa: E402
from sandbox.pyvolume import (  # noqa: E402
    AGENT_IDS,
    Layer,
    build_both,
    ensure_tools_image,
    split_context,
)

REPOSITORY = "devagent-imgbench"
LABEL = "devagent.imgbench"
BEFORE = ""
"""A commit whose python recipe to time as a third column ('' for none). Only recipes
that read the current build context's layout (spec and manifests under devagent/) work: the
recipe before 8 of the steps were merged (9e3b92c) does not."""


def request(client: docker.DockerClient, task: RealTask, tree: Path, host: HostIndexConfig):
    """The production request for `task`'s base sdist unpacked at `tree`."""
    release = unpack_release(task.project, task.base_version, tree)
    spec = task.environment
    interpreter = choose_python(python_hints(tree), spec.python)
    base_id = ensure_base_image(client=client, host=host, suite=interpreter.suite)
    return PythonEnvRequest(
        repo=tree,
        deps_repo=tree,
        spec=spec,
        interpreter=interpreter,
        base_id=base_id,
        host=host,
        images_dir=IMAGES_DIR,
        exclude_newer=exclude_newer(release.upload_time, spec),
    )


def build(client: docker.DockerClient, req: PythonEnvRequest, name: str, no_cache: bool) -> float:
    """Build both layers of `req` as `devagent-imgbench/{envdeps,env}:<name>`; seconds taken."""
    files = deps_context(req)
    spec = json.loads(files[SPEC_FILE])
    files[SPEC_FILE] = json.dumps({**spec, "bench_nonce": uuid.uuid4().hex}).encode()
    labels = {LABEL: "1"}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="imgbench-deps-") as context:
        write_context(Path(context), files)
        deps = BuildSpec(Path(context), f"{REPOSITORY}/envdeps:{name}", {"BASE": req.base_id})
        deps_id = run_build(client, replace(deps, labels=labels, nocache=no_cache))
    with tempfile.TemporaryDirectory(prefix="imgbench-env-") as context:
        root = Path(context)
        shutil.copy(req.images_dir / "python" / PROJECT_RECIPE, root / "Dockerfile")
        ignore = shutil.ignore_patterns(*SKIPPED_DIRS)
        shutil.copytree(req.repo, root / "workspace", symlinks=True, ignore=ignore)
        env = BuildSpec(root, f"{REPOSITORY}/env:{name}", {"DEPS": deps_id}, labels, no_cache)
        run_build(client, env)
    return time.monotonic() - start


def volume_build(client: docker.DockerClient, req: PythonEnvRequest, name: str) -> float:
    """Build both layers of `req` with the venv in volumes as production does when neither
    exists (sandbox.pyvolume.build_both), as `devagent-imgbench/{envdeps,env}:<name>`; seconds
    taken, the tools image's check included."""
    labels = {LABEL: "1"}
    start = time.monotonic()
    tools, state = split_context(deps_context(req))
    tools_id = ensure_tools_image(client, tools, req.base_id, _quiet)
    deps = Layer(f"{REPOSITORY}/envdeps:{name}", labels)
    env = Layer(f"{REPOSITORY}/env:{name}", labels)
    tree = TreeCopy(req.repo, "/workspace", AGENT_IDS, SKIPPED_DIRS)
    offline_first = not req.spec.install  # as sandbox.pyimage decides
    build_both(
        client,
        tools_id,
        state,
        deps,
        tree,
        lambda _volume: env,
        _quiet,
        offline_first=offline_first,
    )
    return time.monotonic() - start


def _quiet(_message: str) -> None:
    pass


def timed(
    client: docker.DockerClient, req: PythonEnvRequest, name: str, no_cache: bool, volume: bool
) -> float:
    """Seconds of `volume_build` (`volume` and the request allows it, as production decides)
    or `build`; NaN (and the error on stderr) when the build fails."""
    try:
        if volume and volume_backed(req):
            return volume_build(client, req, name)
        return build(client, req, name, no_cache)
    except SandboxError as exc:
        print(f"{name}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return float("nan")


def remove_bench_images(client: docker.DockerClient) -> None:
    """Remove the images and venv volumes this benchmark made (children first); nothing else."""
    images = client.images.list(filters={"label": LABEL})
    ours = [t for image in images for t in image.tags if t.startswith(f"{REPOSITORY}/")]
    for tag in sorted(ours, key=lambda t: not t.startswith(f"{REPOSITORY}/env:")):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag)
    for volume in client.volumes.list(filters={"label": LABEL}):
        with contextlib.suppress(docker.errors.NotFound):
            volume.remove()


@dataclass(frozen=True)
class Recipe:
    """One way of building: an installer and the recipes directory whose recipe is used, or
    (`legacy`) a whole older devagent exported with git archive, run as it was."""

    name: str
    installer: Literal["uv", "pip"]
    images_dir: Path = IMAGES_DIR
    legacy: Path | None = None
    volume: bool = False
    """The production build (the venv in a volume where the request allows it)."""
    volume_at: Path | None = None
    """The volume build of an older devagent (exported with git archive, perf/ included), run
    by that revision's own `volume_build`: before and after a change under the same load."""


TODAY = "26e8447"
"""The recipe when the issue was filed: one pip-built image per repository (manifests only,
pytest in a shared layer, no date cut), built by that commit's own sandbox.images."""
LEGACY_BUILD = """
import sys, time
from pathlib import Path
from sandbox.images import ensure_env_image
started = time.monotonic()
tag = ensure_env_image(Path(sys.argv[1]))
print(tag, time.monotonic() - started)
"""


def export_legacy(rev: str, dest: Path) -> Path:
    """devagent, sandbox, images and perf (where it has one) as of `rev` (git archive) into
    `dest`."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "devagent", "sandbox", "images", *_perf(rev)],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def _perf(rev: str) -> list[str]:
    """["perf"] when `rev` has the benchmarks folder, else []."""
    probe = ["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}:perf"]
    return ["perf"] if subprocess.run(probe, capture_output=True).returncode == 0 else []


def legacy_build(client: docker.DockerClient, code: Path, tree: Path, name: str) -> float:
    """Seconds the old code takes to build `tree`'s image from nothing of its own: a copy of
    the tree whose first manifest carries a nonce (so its layers are new), image removed after."""
    with tempfile.TemporaryDirectory(prefix="imgbench-legacy-") as tmp:
        copy = Path(tmp) / name
        shutil.copytree(tree, copy, symlinks=True)
        for manifest in ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt"):
            if (copy / manifest).is_file():
                with open(copy / manifest, "a") as f:
                    f.write(f"\n# imgbench {uuid.uuid4().hex}\n")
                break
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run(
            [sys.executable, "-c", LEGACY_BUILD, str(copy)], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"{name}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return float("nan")
        tag, seconds = done.stdout.split()[-2:]
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag)
        return float(seconds)


OLD_VOLUME_BUILD = """
import sys
from pathlib import Path
import docker
sys.path.insert(0, str(Path.cwd() / "perf"))
import imagebuild_bench as bench
client = docker.from_env(timeout=900)
task_id, tasks, tree, name = sys.argv[1:]
(task,) = [t for t in bench.load_real_tasks([Path(tasks)]) if t.id == task_id]
req = bench.request(client, task, Path(tree), bench.read_host_config())
print(bench.volume_build(client, req, name))
"""


def old_volume_build(code: Path, task_id: str, name: str) -> float:
    """Seconds the volume build of the devagent exported at `code` takes for `task_id` (its
    sdist unpacked again, untimed), run by that revision's own benchmark."""
    with tempfile.TemporaryDirectory(prefix="imgbench-old-volume-") as tmp:
        tree = Path(tmp) / task_id
        argv = [sys.executable, "-c", OLD_VOLUME_BUILD, task_id, str(ROOT / "tasks" / "real")]
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run(
            [*argv, str(tree), name], cwd=code, env=env, capture_output=True, text=True
        )
    if done.returncode != 0:
        print(f"{name}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return float("nan")
    return float(done.stdout.split()[-1])


def export_images(rev: str, dest: Path) -> Path:
    """The python recipe as of `rev` (git archive), for the uv recipe before this benchmark:
    sandbox/recipes/python, or images/python in revisions before the recipes became package
    data."""
    folder = "sandbox/recipes"
    probe = ["git", "-C", str(ROOT), "cat-file", "-e", f"{rev}:{folder}/python"]
    if subprocess.run(probe, capture_output=True).returncode != 0:
        folder = "images"
    export = ["git", "-C", str(ROOT), "archive", rev, f"{folder}/python"]
    archive = subprocess.run(export, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / folder


VOLUME = "volume"
RATIOS = ((2, "uv"), (4, VOLUME))
"""Where the ratio columns go: uv/pip after uv, vol/pip after volume."""


def row(label: str, took: dict[str, float], names: list[str]) -> str:
    cells = [f"{took[n]:>8.1f}" for n in names]
    for at, new in RATIOS:
        cells.insert(at, f"{took[new] / took['pip']:>7.2f}")
    return f"{label:<40} {' '.join(cells)}"


def header(names: list[str]) -> str:
    cells = [f"{n + ' s':>8}" for n in names]
    for at, new in RATIOS:
        cells.insert(at, f"{new[:3] + '/pip':>7}")
    return f"{'task':<40} {' '.join(cells)}"


def run(tasks: list[RealTask], fully_cold: bool, before: str, today: str, volume_at: str) -> None:
    client = docker.from_env(timeout=900)
    host = read_host_config()
    remove_bench_images(client)
    results: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="imgbench-trees-") as workdir:
            recipes = [Recipe("pip", "pip"), Recipe("uv", "uv"), Recipe(VOLUME, "uv", volume=True)]
            if before:
                old = export_images(before, Path(workdir))
                recipes.append(Recipe(f"uv@{before}", "uv", old))
            if today:
                code = export_legacy(today, Path(workdir) / "legacy")
                recipes.append(Recipe(f"pip@{today}", "pip", legacy=code))
            if volume_at:
                code = export_legacy(volume_at, Path(workdir) / "volume-at")
                recipes.append(Recipe(f"{VOLUME}@{volume_at}", "uv", volume_at=code))
            names = [r.name for r in recipes]
            requests = [request(client, t, Path(workdir) / t.id, host) for t in tasks]
            if fully_cold:
                plain = [r for r in recipes if not (r.legacy or r.volume or r.volume_at)]
                cold = {r.name: one(client, requests[0], r, "cold", no_cache=True) for r in plain}
                cold.update({r.name: float("nan") for r in recipes if r not in plain})
                print(row(f"fully cold: {tasks[0].id}", cold, names), flush=True)
            warm_up(client, requests, recipes)
            print(header(names), flush=True)
            for n, (task, req) in enumerate(zip(tasks, requests, strict=True)):
                order = recipes if n % 2 == 0 else recipes[::-1]
                took = {r.name: one(client, req, r, task.id) for r in order}
                results.append(took)
                print(row(task.id, took, names), flush=True)
            summary(results, names)
    finally:
        remove_bench_images(client)


def one(
    client: docker.DockerClient,
    req: PythonEnvRequest,
    recipe: Recipe,
    name: str,
    no_cache: bool = False,
) -> float:
    if recipe.legacy is not None:
        return legacy_build(client, recipe.legacy, req.repo, name)
    if recipe.volume_at is not None:
        tag = f"{name}-{recipe.name.replace('@', '-at-')}"
        return old_volume_build(recipe.volume_at, req.repo.name, tag)
    changed = replace(req, installer=recipe.installer, images_dir=recipe.images_dir)
    tag = f"{name}-{recipe.name.replace('@', '-at-')}"
    return timed(client, changed, tag, no_cache, recipe.volume)


def warm_up(
    client: docker.DockerClient, requests: list[PythonEnvRequest], recipes: list[Recipe]
) -> None:
    """One untimed build per Debian suite and recipe, so that the layers every repository
    shares (the tools venv) exist before the timed builds, as after a first build."""
    done: set[tuple[str, Path, bool]] = set()
    for req in requests:
        for recipe in recipes:
            code = recipe.legacy or recipe.volume_at or recipe.images_dir
            key = (req.interpreter.suite, code, recipe.volume)
            if key not in done:
                done.add(key)
                seconds = one(client, req, recipe, f"warm-{req.interpreter.suite}")
                print(f"(warm-up {recipe.name} on {key[0]}: {seconds:.1f} s)", flush=True)


def summary(results: list[dict[str, float]], names: list[str]) -> None:
    done = [took for took in results if all(v == v for v in took.values())]
    if not done:
        print("no task built with every recipe")
        return
    medians = {n: statistics.median(took[n] for took in done) for n in names}
    cells = [f"{medians[n]:>8.1f}" for n in names]
    for at, new in RATIOS:
        cells.insert(at, f"{statistics.median(took[new] / took['pip'] for took in done):>7.2f}")
    print(f"{'median (' + str(len(done)) + ' tasks)':<40} {' '.join(cells)}")
    for new in ("uv", VOLUME):
        print(f"median {new} / median pip (same run): {medians[new] / medians['pip']:.2f}")
        for name in names:
            if name.startswith("pip@"):
                ratio = medians[new] / medians[name]
                print(f"median {new} / median {name} (when the issue was filed): {ratio:.2f}")
            if new == VOLUME and name.startswith(f"{VOLUME}@"):
                ratio = medians[new] / medians[name]
                print(f"median {new} / median {name} (same run): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default: all)")
    parser.add_argument("--no-fully-cold", action="store_true", help="skip the fully cold build")
    parser.add_argument(
        "--before", default=BEFORE, help="also time uv with the recipes of this rev ('': none)"
    )
    parser.add_argument(
        "--today", default=TODAY, help=f"also time the pip build of this rev ({TODAY}; '')"
    )
    parser.add_argument(
        "--volume-at",
        default="",
        help="also time the volume build of this rev, run by its own benchmark ('': none)",
    )
    args = parser.parse_args()
    tasks = load_real_tasks([ROOT / "tasks" / "real"])
    if args.tasks:
        wanted = set(args.tasks.split(","))
        tasks = [t for t in tasks if t.id in wanted]
        missing = wanted - {t.id for t in tasks}
        if missing:
            parser.error(f"unknown task ids: {sorted(missing)}")
    run(
        tasks,
        fully_cold=not args.no_fully_cold,
        before=args.before,
        today=args.today,
        volume_at=args.volume_at,
    )


if __name__ == "__main__":
    main()
