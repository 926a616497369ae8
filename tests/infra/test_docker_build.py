"""Both images build where a Docker engine runs (`docker build`, as docs/deploy.md shows)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.infra.conftest import ROOT

BUILDS = {
    "functions": ["docker", "build", "-t", "ava-functions:test", "."],
    "rd": ["docker", "build", "-f", "gradio_app/Dockerfile", "-t", "ava-rd:test", "."],
}


def _engine_problem() -> str | None:
    if shutil.which("docker") is None:
        return "no docker client on this machine"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False, timeout=60)
    if info.returncode != 0:
        first = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"no Docker engine answers here ({first})"
    return None


@pytest.mark.parametrize("image", BUILDS)
def test_the_image_builds(image):
    problem = _engine_problem()
    if problem:
        pytest.skip(problem)
    result = subprocess.run(BUILDS[image], cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600)
    assert result.returncode == 0, result.stderr[-4000:]
