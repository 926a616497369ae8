"""The locks: every install pins and hash-checks, the runtime and image sets agree with the
development lock, and torch stays out of them (installed first by its CPU pin)."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.infra.conftest import ROOT

LOCKS = {
    "development": ROOT / "requirements" / "lock.txt",
    "functions runtime": ROOT / "requirements.txt",
    "rd image": ROOT / "requirements" / "gradio.txt",
    "infra": ROOT / "infra" / "requirements.txt",
}
EXTRAS = re.search(r"^EXTRAS\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1).split(",")


def parse(path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes), from a `uv pip compile --generate-hashes` file."""
    pins: dict[str, tuple[str, int]] = {}
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *hashes = line.split(" --hash=")
        requirement = Requirement(spec.strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {spec} is not pinned"
        pins[canonicalize_name(requirement.name)] = (specifier.version, len(hashes))
    return pins


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_requirement_is_pinned_and_hashed(lock):
    pins = parse(LOCKS[lock])
    assert pins
    unhashed = [name for name, (_, hashes) in pins.items() if hashes == 0]
    assert not unhashed


@pytest.mark.parametrize("lock", ["functions runtime", "rd image"])
def test_the_set_has_the_versions_of_the_development_lock(lock):
    development = parse(LOCKS["development"])
    for name, (version, _) in parse(LOCKS[lock]).items():
        if name in development:
            assert version == development[name][0], f"{name}: {version} here, {development[name][0]} in the lock"


def test_the_functions_runtime_set_lists_only_what_the_app_needs():
    runtime = parse(LOCKS["functions runtime"])
    assert {"azure-functions", "azure-functions-durable", "pydantic", "qdrant-client"} <= set(runtime)
    # no development tools, no CLI, no local embedder (and so no torch) in a deployment
    assert not {"pytest", "ruff", "typer", "sentence-transformers", "torch"} & set(runtime)


@pytest.mark.parametrize("lock", LOCKS)
def test_torch_stays_out_of_every_lock(lock):
    assert "torch" not in parse(LOCKS[lock])
    assert not any(name.startswith("nvidia-") for name in parse(LOCKS[lock]))  # no CUDA build's parts


def test_every_dependency_make_installs_is_in_the_development_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in EXTRAS:
        wanted += project["optional-dependencies"][extra]
    locked = parse(LOCKS["development"])
    for spec in wanted:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{spec} is not in requirements/lock.txt: run `make lock`"
        assert requirement.specifier.contains(locked[name][0]), f"{spec}: the lock has {locked[name][0]}"


def test_the_runtime_sources_are_all_in_requirements_txt():
    runtime = parse(LOCKS["functions runtime"])
    for line in (ROOT / "requirements" / "runtime.in").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            assert requirement.specifier.contains(runtime[canonicalize_name(requirement.name)][0]), line


def test_make_installs_torch_first_by_its_pin_then_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^TORCH\s*:=\s*2\.13\.0$", makefile, re.M)
    torch = makefile.index("torch==$(TORCH)")
    lock = makefile.index("-r requirements/lock.txt")
    assert torch < lock
    assert "PIP_LOCKED := --quiet --require-hashes --no-deps" in makefile
