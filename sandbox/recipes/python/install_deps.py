"""The steps of a Python env image build, run inside the build (python3 >= 3.9).

`install_deps.py deps`: as root, with the manifests in /opt/devagent/project and the spec in
/opt/devagent/spec.json: apt packages, pre_install commands, the declared dependencies and test
tools (or nothing when the spec's `install` replaces them), the setup script.
`install_deps.py project`: as the agent user, with the tree at /workspace: the spec's `install`
commands, the project's editable install (with its test extras; its wheel built by one call of
its backend, editable.py, else by uv), a .pth that puts the workspace before site-packages, the
import check and /opt/devagent/environment.json (or the file DEVAGENT_REPORT names).
A failed step prints one `devagent-error: ...` line (the host turns it into the error message).
"""

from __future__ import annotations

import configparser
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import editable
import gather
from gather import tomllib

VENV_PYTHON = "/opt/venv/bin/python"
UV = "/opt/devagent-tools/bin/uv"
PIP = "/opt/devagent-tools/bin/pip"
STATE = Path("/opt/devagent")
MANIFESTS = STATE / "project"
WORKSPACE = Path("/workspace")
REPORT = Path(os.environ.get("DEVAGENT_REPORT") or STATE / "environment.json")
"""Where the report goes (a venv-volume build puts it in the volume: see sandbox/pyvolume.py)."""

PROBE = r"""
import importlib, importlib.metadata as md, json, platform, sys
out = {"dist": "", "version": "", "extras": [], "module": "", "file": ""}
out["python"] = platform.python_version()
for d in md.distributions():
    url = json.loads(d.read_text("direct_url.json") or "{}").get("url", "")
    if url.rstrip("/") == "file:///workspace":
        out.update(dist=d.metadata["Name"], version=md.version(d.metadata["Name"]),
                   extras=d.metadata.get_all("Provides-Extra") or [])
for name in sys.argv[1:]:
    try:
        module = importlib.import_module(name)
    except Exception as exc:
        out.update(module=name, file="", error=f"{type(exc).__name__}: {exc}")
        break
    out.update(module=name, file=getattr(module, "__file__", None) or str(list(module.__path__)))
    break
print(json.dumps(out))
"""


class StepError(Exception):
    """A build step failed; the message is one line."""


def run(step: str, argv: list[str], **kwargs: object) -> None:
    print(f"+ {' '.join(argv)}", flush=True)
    code = subprocess.call(argv, **kwargs)  # type: ignore[call-overload]
    if code != 0:
        raise StepError(f"{step} failed (exit {code})")


def shell(step: str, command: str, cwd: Path, env: dict[str, str]) -> None:
    run(f"{step} `{command}`", ["bash", "-eo", "pipefail", "-c", command], cwd=cwd, env=env)


def index_args(spec: dict) -> list[str]:
    """The image's pip.conf as uv arguments (uv does not read pip.conf)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read("/etc/devagent/pip.conf")
    args = ["--no-config"]
    if parser.get("global", "index-url", fallback=""):
        args += ["--index-url", parser.get("global", "index-url")]
    for url in parser.get("global", "extra-index-url", fallback="").split():
        args += ["--extra-index-url", url]
    for host in parser.get("global", "trusted-host", fallback="").split():
        args += ["--allow-insecure-host", host]
    if spec.get("exclude_newer"):
        args += ["--exclude-newer", spec["exclude_newer"]]
    overrides = STATE / "overrides.txt"
    if spec.get("pip"):
        overrides.write_text("\n".join(spec["pip"]) + "\n")
        args += ["--override", str(overrides)]
    return args


def uv_install(step: str, spec: dict, args: list[str], cwd: Path) -> None:
    """Install into /opt/venv with uv; with the spec's `installer: "pip"` (set only by the
    image-build benchmark's baseline) with pip (>= 26: the date cut is its --uploaded-prior-to,
    from PIP_UPLOADED_PRIOR_TO; the pins are constraints, as pip has no overrides)."""
    if spec.get("installer") == "pip":
        argv = [PIP, "--python", VENV_PYTHON, "install", "--progress-bar", "off"]
        if spec.get("pip"):
            (STATE / "constraints.txt").write_text("\n".join(spec["pip"]) + "\n")
            argv += ["-c", str(STATE / "constraints.txt")]
        run(step, [*argv, *args], cwd=cwd, env=step_env(spec))
        return
    argv = [UV, "pip", "install", "--python", VENV_PYTHON, *index_args(spec), *args]
    try:
        run(step, argv, cwd=cwd, env=step_env(spec))
    except StepError:
        if not (os.environ.get("UV_OFFLINE") and os.environ.get(ASK_NETWORK)):
            raise
        ask_network()  # what is installed does not satisfy it: the index is needed
        run(step, argv, cwd=cwd, env=step_env(spec))


ASK_NETWORK = "DEVAGENT_ASK_NETWORK"
"""Set (to the line to print) where the step starts without network (and UV_OFFLINE) and the
host connects it when that line is printed (sandbox/pyvolume.py)."""


WAIT_NETWORK = "DEVAGENT_WAIT_NETWORK"
"""Set where the host connects the container right after its start (the dependency step
waits for the network before it installs)."""
RELEASE_NETWORK = "DEVAGENT_RELEASE_NETWORK"
"""Set (to the line to print) where the host disconnects the container once the dependency
step no longer needs the network (its exit is faster without a network endpoint)."""


def ask_network() -> None:
    """Print the line that has the host connect the container, and wait for its default route;
    uv resolves with the index from then on."""
    del os.environ["UV_OFFLINE"]
    print(os.environ[ASK_NETWORK], flush=True)
    wait_for_route()


def wait_for_route(timeout: float = 60.0) -> None:
    """Return once the container has a default route (the host connected it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        routes = Path("/proc/net/route").read_text().splitlines()[1:]
        if any(line.split()[1] == "00000000" for line in routes if len(line.split()) > 1):
            return
        time.sleep(0.01)
    raise StepError(f"no network {timeout:.0f} s after asking for it")


def step_env(spec: dict) -> dict[str, str]:
    """The environment of build commands: the venv first on PATH, the date filter for uv and
    pip (>= 26), the spec's variables."""
    env = dict(os.environ, **spec.get("env", {}))
    # The venv-volume build puts the cache beside the venv (installs become hard links).
    env["UV_CACHE_DIR"] = os.environ.get("DEVAGENT_UV_CACHE_DIR", "/tmp/devagent-uv-cache")
    env["NO_COLOR"] = "1"
    env["PATH"] = "/opt/venv/bin:" + env.get("PATH", "/usr/bin:/bin")
    if spec.get("exclude_newer"):
        env["UV_EXCLUDE_NEWER"] = spec["exclude_newer"]
        env["PIP_UPLOADED_PRIOR_TO"] = spec["exclude_newer"]
    return env


def deps(spec: dict) -> None:
    if os.environ.get(WAIT_NETWORK):
        wait_for_route()
    env = step_env(spec)
    if spec.get("apt"):
        run("apt-get update", ["apt-get", "update", "-q"])
        apt = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *spec["apt"]]
        run("[environment] apt", apt, env=dict(env, DEBIAN_FRONTEND="noninteractive"))
    for command in spec.get("pre_install", []):
        shell("[environment] pre_install", command, MANIFESTS, env)
    # The build requirements too: the project layer then builds without an isolated
    # environment (no download per tree; they are resolved as of the same date).
    wanted = ["pytest", *spec.get("pip", []), *gather.build_requirements(MANIFESTS)]
    if not spec.get("install"):
        wanted += gather.install_arguments(MANIFESTS)
    # --upgrade: the venv's seeded setuptools (the distribution's: 66.1.1 on bookworm) gives
    # way to a newer one resolved as of the date. For an earlier date it stays (uv does not
    # downgrade what satisfies the requirement), and it is what builds the editable install
    # of a project dated before setuptools 64 (PEP 660), which the one of its date cannot.
    uv_install("installing the dependencies", spec, ["--upgrade", *wanted], MANIFESTS)
    if spec.get("setup_script"):
        script = spec["setup_script"]
        run(f"setup script {script}", ["bash", script], cwd=MANIFESTS, env=env)
    if os.environ.get(RELEASE_NETWORK):
        print(os.environ[RELEASE_NETWORK], flush=True)  # the host may disconnect it now


def project(spec: dict) -> None:
    env = step_env(spec)
    version = gather.pkg_info_version(WORKSPACE) or "0.0.0"
    env.setdefault("SETUPTOOLS_SCM_PRETEND_VERSION", version)
    spec = dict(spec, env={"SETUPTOOLS_SCM_PRETEND_VERSION": version, **spec.get("env", {})})
    for command in spec.get("install", []):
        shell("[environment] install", command, WORKSPACE, env)
    buildable = any((WORKSPACE / n).is_file() for n in ("pyproject.toml", "setup.py", "setup.cfg"))
    freezing: list[subprocess.Popen[str]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="devagent-editable-") as scratch:
            built = build_editable(spec, Path(scratch)) if buildable else None
            if built:
                wheel, path, purelib = built
                extras = gather.wanted_extras(wheel.extras)
                install_wheel(spec, wheel, path, purelib, [] if spec.get("install") else extras)
                write_pth(purelib)
                freezing.append(start_freeze(spec))  # read while the project is imported
                found = probe(gather.import_names(WORKSPACE, wheel.name))
            else:
                found, extras = install_from_tree(spec, buildable)
                freezing.append(start_freeze(spec))
        check = import_check(found, buildable)
        write_report(spec, found, extras, check, freezing[0])
    finally:
        for process in freezing:
            process.kill()  # nothing once it is done
    print(f"import check: {check}", flush=True)


def build_editable(spec: dict, scratch: Path) -> tuple[editable.Wheel, Path, str] | None:
    """The project's editable wheel, built by its backend in one process of the venv's Python
    (the wheel, its path, the venv's purelib); None when that is not possible (no PEP 660
    hook, a backend that is not installed or fails here: the tree is then installed by uv)."""
    try:
        backend, backend_path = gather.build_backend(WORKSPACE)
    except (ValueError, OSError, tomllib.TOMLDecodeError) as exc:
        print(f"note: {exc}; the installer builds the project", flush=True)
        return None
    wheels, result = scratch / "wheel", scratch / "result.json"
    wheels.mkdir()
    argv = [VENV_PYTHON, "-c", editable.HOOK, backend, str(wheels), str(result), *backend_path]
    print(f"+ build_editable ({backend}) in {WORKSPACE}", flush=True)
    with open(scratch / "output.txt", "w+b") as output:  # shown when it fails, as uv does
        code = subprocess.call(
            argv, cwd=WORKSPACE, env=step_env(spec), stdout=output, stderr=subprocess.STDOUT
        )
        built = json.loads(result.read_text()) if code == 0 else {}
        if not built.get("wheel"):
            output.seek(0)
            sys.stdout.write(output.read().decode(errors="replace")[-4000:])
            print("note: the backend gave no editable wheel; the installer builds it", flush=True)
            return None
    path = wheels / built["wheel"]
    return editable.read_wheel(path), path, built["purelib"]


def install_wheel(
    spec: dict, wheel: editable.Wheel, path: Path, purelib: str, extras: list[str]
) -> None:
    """Install the editable wheel with `extras` (only itself when the spec's `install` commands
    installed the requirements) and record it as an editable install of /workspace."""
    args = ["--no-deps"] if spec.get("install") else []
    requirement = editable.requirement(wheel, path, extras)
    uv_install("installing the project from /workspace", spec, [*args, requirement], WORKSPACE)
    editable.mark_editable(Path(purelib), wheel)


def install_from_tree(spec: dict, buildable: bool) -> tuple[dict, list[str]]:
    """The editable install by the installer (which calls the backend itself), the wanted
    extras added once their names are known; what `probe` found then, and those extras."""
    if buildable:
        tree = (
            ["--no-deps", "-e", str(WORKSPACE)]
            if spec.get("install")
            else ["-e", f"{WORKSPACE}[{','.join(gather.TEST_EXTRAS)}]"]
        )
        install_project(spec, tree)
    write_pth()
    found = probe([])
    extras = gather.wanted_extras(found["extras"])
    if buildable and not spec.get("install") and set(extras) - set(gather.TEST_EXTRAS):
        target = f"{WORKSPACE}[{','.join(extras)}]"
        install_project(spec, ["-e", target])
    return probe(gather.import_names(WORKSPACE, found["dist"])), extras


def install_project(spec: dict, args: list[str]) -> None:
    """The editable install, with the venv's build backend first, in isolation when that fails
    (a backend that is not installed, or that needs more)."""
    step = "installing the project from /workspace"
    try:
        uv_install(step, spec, ["--no-build-isolation", *args], WORKSPACE)
    except StepError:
        print("note: retrying the project's build in an isolated environment", flush=True)
        uv_install(step, spec, args, WORKSPACE)


def write_pth(purelib: str = "") -> None:
    """A .pth whose line puts /workspace/src (src layouts) or /workspace before site-packages
    (never before the standard library), for modules the editable install does not map."""
    if not purelib:
        argv = [VENV_PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        purelib = subprocess.check_output(argv, text=True).strip()
    entry = "/workspace/src" if (WORKSPACE / "src").is_dir() else "/workspace"
    line = (
        f"import sys; p = {purelib!r}; i = sys.path.index(p) if p in sys.path else len(sys.path);"
        f" {entry!r} in sys.path or sys.path.insert(i, {entry!r})\n"
    )
    Path(purelib, "00-devagent-workspace.pth").write_text(line)


def probe(names: list[str]) -> dict:
    output = subprocess.check_output([VENV_PYTHON, "-c", PROBE, *names], cwd="/", text=True)
    return json.loads(output)


def import_check(found: dict, buildable: bool) -> str:
    """One line: where the project's package is imported from; raises when not /workspace."""
    if buildable and not found["dist"]:
        raise StepError("import check: no distribution is installed from /workspace")
    if not found["module"]:
        return f"{found['dist'] or 'project'}: no top-level package found to import (skipped)"
    where = found["file"]
    if found.get("error") or not where.startswith(("/workspace/", "['/workspace/")):
        problem = found.get("error") or f"resolves to {where}, not /workspace"
        raise StepError(f"import check: `import {found['module']}` {problem}")
    dist = f" ({found['dist']} {found['version']})" if found["dist"] else ""
    return f"{found['module']} -> {where}{dist}"


def start_freeze(spec: dict) -> subprocess.Popen[str]:
    """`uv pip freeze` of the venv, started (its output is read by `write_report`)."""
    argv = [UV, "pip", "freeze", "--python", VENV_PYTHON]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=step_env(spec))


def write_report(
    spec: dict, found: dict, extras: list[str], check: str, freezing: subprocess.Popen[str]
) -> None:
    freeze, _ = freezing.communicate()
    if freezing.returncode != 0:
        raise subprocess.CalledProcessError(freezing.returncode, freezing.args)
    packages = dict(
        line.split("==", 1) for line in freeze.splitlines() if "==" in line and " @ " not in line
    )
    report = {
        "python": found["python"],
        "suite": spec.get("suite", ""),
        "as_of": spec.get("exclude_newer", ""),
        "project": {"dist": found["dist"], "version": found["version"], "extras": extras},
        "import_check": check,
        "pins": spec.get("pip", []),
        "packages": packages,
        "build_python": platform.python_version(),
    }
    REPORT.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    spec = json.loads((STATE / "spec.json").read_text())
    try:
        {"deps": deps, "project": project}[argv[1]](spec)
    except StepError as exc:
        print(f"devagent-error: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
