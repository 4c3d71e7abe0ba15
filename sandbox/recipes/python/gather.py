"""Which requirements a Python project declares for its tests, read from its manifests. Pure.

Runs inside the image build (python3 >= 3.9; tomllib or tomli) and on the host in unit tests.
Reads pyproject.toml (PEP 621 dependencies and optional-dependencies, dependency-groups, Poetry's
dependencies, dev-dependencies and groups), setup.cfg, requirements*.txt, requirements/*.txt and
tox.ini's [testenv] deps where they are plain. setup.py is never parsed: its metadata comes from
the build backend (`metadata_requirements` reads the METADATA the backend wrote).
"""

from __future__ import annotations

import configparser
import re
from email.parser import HeaderParser
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

TEST_EXTRAS = ("test", "tests", "testing")
DEV_EXTRAS = ("dev", "develop", "development")
SKIPPED_FILES = re.compile(r"doc|lint|release|publish|mypy|typing|format|benchmark", re.I)
SELF_REFERENCE = re.compile(r"^\s*(-e|--editable)?\s*(\.|file:\.)(\[[^\]]*\])?\s*$")
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?")
TOX_FACTOR = re.compile(r"^[\w.,!-]+:\s")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wanted_extras(provided: list[str]) -> list[str]:
    """The extras a test run needs: the test ones, or the dev ones when there are none."""
    names = {normalise(p): p for p in provided}
    tests = [names[e] for e in TEST_EXTRAS if e in names]
    return tests or [names[e] for e in DEV_EXTRAS if e in names]


def requirement_files(root: Path) -> list[Path]:
    """requirements*.txt and requirements/*.txt, except docs, lint and release ones."""
    found = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [p for p in found if p.is_file() and not SKIPPED_FILES.search(p.name)]


INCLUDE = re.compile(r"^\s*(-r|-c|--requirement|--constraint)(=|\s+)(\S+)")


def filtered_copy(path: Path) -> Path:
    """A copy of a requirements file without lines that install the project itself (`-e .`),
    nor includes (`-r`/`-c`) of files that are not here or are skipped (docs, lint): only the
    manifests are copied into the build, so `-r ../docs/requirements.txt` would fail it."""
    kept = []
    for line in path.read_text().splitlines():
        include = INCLUDE.match(line)
        if SELF_REFERENCE.match(line):
            continue
        if include:
            target = path.parent / include.group(3)
            if not target.is_file() or SKIPPED_FILES.search(target.name + str(target.parent)):
                print(f"note: {path.name}: left out {line.strip()!r} (not a test manifest)")
                continue
        kept.append(line)
    copy = path.with_name(".devagent-" + path.name)
    copy.write_text("\n".join(kept) + "\n")
    return copy


def with_extras(name: str, base: list[str], optional: dict[str, list[str]]) -> list[str]:
    """`base` plus the wanted extras, following the project's references to its own extras
    (`name[extra]`) instead of asking the index for the project itself."""
    deps, seen = list(base), set()
    queue = wanted_extras(list(optional))
    while queue:
        extra = queue.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for dep in optional.get(extra, []):
            match = NAME.match(dep)
            if match and name and normalise(match.group(1)) == normalise(name):
                queue.extend(x.strip() for x in (match.group(3) or "").split(",") if x.strip())
            else:
                deps.append(dep)
    return deps


def dependency_group(groups: dict, name: str, seen: frozenset = frozenset()) -> list[str]:
    """A PEP 735 group's requirements, with `{include-group = ...}` followed."""
    out: list[str] = []
    for item in groups.get(name, []):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("include-group") not in seen | {name}:
            out.extend(dependency_group(groups, str(item["include-group"]), seen | {name}))
    return out


def poetry_requirement(name: str, spec: object) -> str:
    """One Poetry dependency as a PEP 508 string ("" for path/git/url or optional ones)."""
    extras = ""
    if isinstance(spec, dict):
        if spec.get("optional") or {"path", "git", "url"} & set(spec):
            return ""
        extras = "[" + ",".join(spec.get("extras", [])) + "]" if spec.get("extras") else ""
        spec = spec.get("version", "*")
    if not isinstance(spec, str):
        return ""
    return name + extras + poetry_specifier(spec)


def poetry_specifier(text: str) -> str:
    """`^1.2.3` -> `>=1.2.3,<2.0.0`; `~1.2` -> `>=1.2,<1.3`; `*` -> ""; `1.2` -> `==1.2`."""
    text = text.strip()
    if text in ("", "*"):
        return ""
    if text[0] in "^~" and not text.startswith("~="):
        parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
        if text[0] == "^":
            index = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
        else:
            index = min(1, len(parts) - 1) if len(parts) > 1 else 0
        upper = [*parts[:index], parts[index] + 1]
        return f">={text[1:]},<{'.'.join(map(str, upper))}"
    return "==" + text if text[0].isdigit() else text


def pyproject_requirements(path: Path) -> tuple[str, list[str]]:
    if not path.is_file():
        return "", []
    data = tomllib.loads(path.read_text())
    project = data.get("project", {})
    name = str(project.get("name", ""))
    deps = with_extras(
        name, list(project.get("dependencies", [])), project.get("optional-dependencies", {})
    )
    groups = data.get("dependency-groups", {})
    for group in wanted_extras(list(groups)):
        deps.extend(dependency_group(groups, group))
    poetry = data.get("tool", {}).get("poetry", {})
    name = name or str(poetry.get("name", ""))
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    poetry_groups = poetry.get("group", {})
    tables += [poetry_groups[g].get("dependencies", {}) for g in wanted_extras(list(poetry_groups))]
    for table in tables:
        for dep_name, spec in table.items():
            if dep_name.lower() != "python":
                deps.append(poetry_requirement(dep_name, spec))
    return name, [d for d in deps if d]


def setup_cfg_requirements(path: Path) -> tuple[str, list[str]]:
    if not path.is_file():
        return "", []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    name = parser.get("metadata", "name", fallback="")
    base = parser.get("options", "install_requires", fallback="").splitlines()
    optional: dict[str, list[str]] = {}
    if parser.has_section("options.extras_require"):
        for extra, values in parser.items("options.extras_require"):
            optional[extra] = [v.strip() for v in values.splitlines() if v.strip()]
    return name, [d.strip() for d in with_extras(name, base, optional) if d.strip()]


def tox_requirements(root: Path) -> list[str]:
    """[testenv] deps that are plain requirements or `-r` files; factor-conditional and
    substituted lines (other than {toxinidir}) are left out."""
    path = root / "tox.ini"
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path)
    except configparser.Error:
        return []
    out = []
    for raw in parser.get("testenv", "deps", fallback="").splitlines():
        line = raw.split("#", 1)[0].strip().replace("{toxinidir}/", "").replace("{toxinidir}", ".")
        if not line or "{" in line or TOX_FACTOR.match(line) or SELF_REFERENCE.match(line):
            continue
        if line.startswith("-r"):
            target = root / line[2:].strip()
            if target.is_file() and target.resolve().is_relative_to(root.resolve()):
                out.extend(["-r", str(filtered_copy(target))])
        elif not line.startswith("-"):
            out.append(line)
    return out


def declared_requirements(root: Path) -> list[str]:
    """The project's declared requirements and wanted extras, minus the project itself."""
    names, deps = set(), []
    for name, found in (
        pyproject_requirements(root / "pyproject.toml"),
        setup_cfg_requirements(root / "setup.cfg"),
    ):
        names.add(normalise(name))
        deps.extend(found)
    kept = []
    for dep in deps:
        match = NAME.match(dep)
        if match and normalise(match.group(1)) not in names:
            kept.append(dep.strip())
    return kept


def install_arguments(root: Path) -> list[str]:
    """Everything the manifests in `root` ask for, as `uv pip install` arguments."""
    args: list[str] = []
    for path in requirement_files(root):
        args += ["-r", str(filtered_copy(path))]
    return args + declared_requirements(root) + tox_requirements(root)


def build_requirements(root: Path) -> list[str]:
    """What building the project needs ([build-system] requires; setuptools' legacy default
    without one), plus what editable builds ask for: wheel for setuptools backends, editables
    for hatchling (its editable wheels import it when they map modules one by one)."""
    if not (root / "pyproject.toml").is_file() and not (root / "setup.py").is_file():
        return []
    system = {}
    if (root / "pyproject.toml").is_file():
        system = tomllib.loads((root / "pyproject.toml").read_text()).get("build-system", {})
    requires = [str(r) for r in system.get("requires", ["setuptools>=40.8.0"])]
    backend = str(system.get("build-backend", "setuptools"))
    editable = {"setuptools": ["wheel"], "hatchling": ["editables"]}
    return requires + editable.get(backend.split(".")[0], [])


LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
"""PEP 517's backend for a project whose [build-system] names none."""


def build_backend(root: Path) -> tuple[str, list[str]]:
    """The project's PEP 517 backend (`module:object`) and its backend-path folders (absolute;
    ValueError for one outside `root`)."""
    system = {}
    if (root / "pyproject.toml").is_file():
        system = tomllib.loads((root / "pyproject.toml").read_text()).get("build-system", {})
    backend = str(system.get("build-backend") or LEGACY_BACKEND)
    folders = [(root / str(p)).resolve() for p in system.get("backend-path", [])]
    outside = [str(f) for f in folders if not f.is_relative_to(root.resolve())]
    if outside:
        raise ValueError(f"backend-path outside the project: {outside}")
    return backend, [str(f) for f in folders]


def provided_extras(metadata_text: str) -> list[str]:
    """`Provides-Extra` values of a METADATA/PKG-INFO text."""
    return [str(v) for v in HeaderParser().parsestr(metadata_text).get_all("Provides-Extra", [])]


def pkg_info_version(root: Path) -> str:
    """The version in an sdist's PKG-INFO, "" when there is none."""
    path = root / "PKG-INFO"
    if not path.is_file():
        return ""
    return str(HeaderParser().parsestr(path.read_text(errors="replace")).get("Version", "") or "")


def import_names(root: Path, dist_name: str) -> list[str]:
    """Top-level importable names under src/ (or the root when there is no src/), the one
    matching the distribution's name first; a module at the root only when it is that one."""
    base = root / "src" if (root / "src").is_dir() else root
    wanted = normalise(dist_name).replace("-", "_")
    names = []
    for child in sorted(base.iterdir()):
        if child.name.startswith((".", "_")) or child.name in {"setup.py", "conftest.py"}:
            continue
        if child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
            names.append(child.name)
        elif child.suffix == ".py" and child.stem.isidentifier():
            names.append(child.stem)
    if base == root:
        names = [n for n in names if n not in {"tests", "test", "testing", "docs", "examples"}]
        names = [n for n in names if (base / n).is_dir() or _same(n, wanted)]
    return sorted(names, key=lambda n: (normalise(n).replace("-", "_") != wanted, n))


def _same(module: str, wanted: str) -> bool:
    """At the root, a module counts only when it is the distribution (six.py for six)."""
    return normalise(module).replace("-", "_") == wanted
