"""The SWE-bench instance and prediction formats: load, dump, and find a repo's local mirror.

An instance carries `instance_id`, `repo` (`owner/name`), `base_commit`, `patch` (reference
fix), `test_patch` (the goal tests, hidden from the agent), `problem_statement`,
`FAIL_TO_PASS` and `PASS_TO_PASS` (JSON-encoded lists in the published dataset; plain lists are
accepted too), and optionally `version` and `environment_setup_commit` (the commit whose
dependency manifests build the environment). Other dataset keys (`hints_text`, ...) are ignored.
SWE-bench keeps each repository's test command and environment in its harness, not in the
instance: here they come from the optional `devagent_test_select_command` /
`devagent_test_separator` / `devagent_test_command` / `devagent_environment` keys, or from a
specs file (`load_specs`) keyed by repository and version; the select command defaults to
pytest node ids.
"""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from devagent.errors import DevagentError
from devagent.problems import summary
from sandbox.envspec import EnvironmentSpec, load_environment

DEFAULT_SELECT = "python -m pytest -q {tests}"


class SwebenchError(DevagentError):
    """An instance or prediction file is malformed, or a repository mirror is missing."""

    hint = "instances need instance_id, repo, base_commit, patch, test_patch, FAIL_TO_PASS, ..."


class SpecsError(SwebenchError):
    """A `--specs` file is unreadable or has an unknown key."""

    hint = (
        'a specs file holds ["owner/name"."version"] tables of environment fields (python, '
        "pre_install, install, pip, apt, env, test_command, ...) plus test_select_command and "
        "test_separator"
    )


class SwebenchInstance(BaseModel):
    """One SWE-bench task instance."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    instance_id: str
    repo: str
    base_commit: str
    patch: str
    test_patch: str
    problem_statement: str = ""
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str] = []
    devagent_test_select_command: str = DEFAULT_SELECT
    devagent_test_separator: str = " "
    devagent_test_command: str | None = None
    version: str | None = None
    environment_setup_commit: str | None = None
    devagent_environment: dict[str, Any] | None = None
    """`EnvironmentSpec` fields (python, install, pip, apt, env, ...) for the sandbox image."""

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("devagent_environment")
    @classmethod
    def _known_environment_keys(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            unknown = sorted(set(value) - set(EnvironmentSpec.model_fields))
            if unknown:
                raise ValueError(f"unknown devagent_environment keys: {unknown}")
        return value

    def environment(self) -> EnvironmentSpec | None:
        """The environment spec for this instance's image, when it or its specs give one."""
        if self.devagent_environment is None:
            return None
        return load_environment(self.devagent_environment, f"instance {self.instance_id}")

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _json_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON-encoded list: {value[:80]!r}") from exc
        return value

    def select_command(self, tests: Sequence[str]) -> str:
        """The shell command running exactly `tests`."""
        sep = self.devagent_test_separator
        joined = sep.join(tests) if sep.strip() else sep.join(shlex.quote(t) for t in tests)
        return self.devagent_test_select_command.replace("{tests}", joined)

    def goal_checks(self) -> list[str]:
        """[FAIL_TO_PASS selection, PASS_TO_PASS selection] (the second only when there are any)."""
        checks = [self.select_command(self.FAIL_TO_PASS)]
        if self.PASS_TO_PASS:
            checks.append(self.select_command(self.PASS_TO_PASS))
        return checks

    def to_record(self) -> dict[str, Any]:
        """The dataset's shape: the test lists JSON-encoded."""
        data = self.model_dump()
        data["FAIL_TO_PASS"] = json.dumps(self.FAIL_TO_PASS)
        data["PASS_TO_PASS"] = json.dumps(self.PASS_TO_PASS)
        return data


class SwebenchPrediction(BaseModel):
    """One line of a SWE-bench predictions file."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    instance_id: str
    model_name_or_path: str = ""
    model_patch: str | None = ""


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SwebenchError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise SwebenchError(f"{path}:{number}: not JSON: {exc}") from exc


def load_instances(path: Path) -> list[SwebenchInstance]:
    """Instances from a JSONL file (a JSON array file is accepted too)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text.lstrip().startswith("["):
        records = list(enumerate(json.loads(text), start=1))
    else:
        records = list(_read_jsonl(path))
    instances = []
    for number, record in records:
        try:
            instances.append(SwebenchInstance.model_validate(record))
        except ValidationError as exc:
            raise SwebenchError(
                f"{path}:{number}: not a SWE-bench instance: {summary(exc)}"
            ) from exc
    return instances


def dump_instances(instances: Iterable[SwebenchInstance], path: Path) -> None:
    path.write_text("".join(json.dumps(i.to_record()) + "\n" for i in instances), "utf-8")


def load_predictions(path: Path) -> dict[str, SwebenchPrediction]:
    """Predictions by instance id (JSONL, or a JSON array or object as SWE-bench also writes)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text.lstrip().startswith(("[", "{")) and not text.lstrip().startswith('{"instance_id"'):
        data = json.loads(text)
        records = list(data.values()) if isinstance(data, dict) else data
    else:
        records = [record for _, record in _read_jsonl(path)]
    try:
        preds = [SwebenchPrediction.model_validate(r) for r in records]
    except ValidationError as exc:
        raise SwebenchError(f"{path}: not a SWE-bench predictions file: {summary(exc)}") from exc
    return {p.instance_id: p for p in preds}


def mirror_path(repos: Path, repo: str) -> Path:
    """The local mirror of `owner/name`: `repos/owner__name` or `repos/owner/name`."""
    owner, _, name = repo.partition("/")
    for candidate in (repos / f"{owner}__{name}", repos / owner / name):
        if (candidate / ".git").exists() or (candidate / "HEAD").is_file():
            return candidate
    raise SwebenchError(f"no local mirror of {repo} in {repos} (want {owner}__{name} or {repo})")


SPEC_TEST_KEYS = ("test_select_command", "test_separator")
"""Keys of a specs entry that are not environment fields."""
ANY_VERSION = "*"


Specs = dict[str, dict[str, dict[str, Any]]]
"""owner/name -> version (or `*`) -> entry: `EnvironmentSpec` fields plus `SPEC_TEST_KEYS`."""


def load_specs(path: Path) -> Specs:
    """A per-repository, per-version specs file (TOML `["owner/name"."1.2"]` tables, or JSON
    of the same shape), like the SWE-bench harness's specs. An unknown key is an error naming
    the file and the key."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecsError(f"{path}: cannot read the specs: {exc}") from exc
    allowed = {*EnvironmentSpec.model_fields, *SPEC_TEST_KEYS}
    for repo, versions in data.items():
        if not isinstance(versions, dict) or "/" not in repo:
            raise SpecsError(f"{path}: {repo!r} is not an owner/name table of versions")
        for version, entry in versions.items():
            if not isinstance(entry, dict):
                raise SpecsError(f"{path}: [{repo!r}.{version!r}] is not a table of fields")
            for key in entry:
                if key not in allowed:
                    raise SpecsError(f"{path}: unknown key {key!r} in [{repo!r}.{version!r}]")
            env = {k: v for k, v in entry.items() if k not in SPEC_TEST_KEYS}
            try:
                load_environment(env, f"{path} [{repo!r}.{version!r}]")
            except ValueError as exc:
                raise SpecsError(str(exc).splitlines()[0]) from exc
    return data


def apply_specs(instance: SwebenchInstance, specs: Specs) -> SwebenchInstance:
    """`instance` with the specs entry for its repository and version (or `*`) filled in where
    the instance itself says nothing."""
    versions = specs.get(instance.repo, {})
    entry = versions.get(instance.version or "", versions.get(ANY_VERSION))
    if entry is None:
        return instance
    env = {k: v for k, v in entry.items() if k not in SPEC_TEST_KEYS}
    update: dict[str, Any] = {
        "devagent_environment": {**env, **(instance.devagent_environment or {})}
    }
    if instance.devagent_test_select_command == DEFAULT_SELECT and "test_select_command" in entry:
        update["devagent_test_select_command"] = entry["test_select_command"]
    if "test_separator" in entry and "devagent_test_separator" not in instance.model_fields_set:
        update["devagent_test_separator"] = entry["test_separator"]
    if instance.devagent_test_command is None and env.get("test_command"):
        update["devagent_test_command"] = env["test_command"]
    return instance.model_copy(update=update)
