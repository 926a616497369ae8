"""The Dockerfiles: hadolint, non-root, installs from the lock, and what each image leaves out."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.infra.conftest import ROOT, tool

IMAGES = {"functions": ROOT / "Dockerfile", "rd": ROOT / "gradio_app" / "Dockerfile"}
# Per image, the ignore file BuildKit uses: <Dockerfile>.dockerignore beside it, else the context's.
IGNORE_FILES = {"functions": ROOT / ".dockerignore", "rd": ROOT / "gradio_app" / "Dockerfile.dockerignore"}
NEVER_IN_AN_IMAGE = (".env", "local.settings.json", "data", ".venv", ".git")


def hadolint(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([tool("hadolint"), *map(str, paths)], capture_output=True, text=True, check=False)


def test_the_dockerfiles_pass_hadolint():
    result = hadolint(*IMAGES.values())
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_flags_a_careless_dockerfile(tmp_path):
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN apt-get install curl\nRUN pip install flask\n")
    result = hadolint(careless)
    assert result.returncode != 0
    for rule in ("DL3006", "DL3008", "DL3013"):  # untagged base, unpinned apt and pip packages
        assert rule in result.stdout


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_runs_as_a_user_other_than_root(image):
    users = re.findall(r"^USER\s+(\S+)", IMAGES[image].read_text(), re.M)
    assert users and users[-1] not in ("root", "0")


def test_the_functions_image_installs_the_runtime_lock_with_hashes():
    text = IMAGES["functions"].read_text()
    assert text.startswith("#") and "FROM mcr.microsoft.com/azure-functions/python:4-python3.11" in text
    assert re.search(r"pip install .*--require-hashes --no-deps -r /tmp/requirements.txt", text)
    assert "COPY requirements.txt /tmp/requirements.txt" in text


def test_the_rd_image_installs_cpu_torch_then_the_gradio_lock_with_hashes():
    text = IMAGES["rd"].read_text()
    makefile_torch = re.search(r"^TORCH\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert f"ARG TORCH={makefile_torch}" in text
    assert '--index-url https://download.pytorch.org/whl/cpu "torch==${TORCH}"' in text
    assert re.search(r"pip install .*--require-hashes --no-deps -r /tmp/gradio.txt", text)
    assert 'CMD ["python", "-m", "gradio_app.app"]' in text


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_leaves_out_secrets_and_local_state(image):
    patterns = [line.strip() for line in IGNORE_FILES[image].read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    if patterns[0] == "*":  # everything out, then only what the image needs back in
        allowed = {p[1:] for p in patterns if p.startswith("!")}
        assert not {p for p in allowed if p.split("/")[0] in NEVER_IN_AN_IMAGE}
    else:
        for name in NEVER_IN_AN_IMAGE:
            assert name in patterns or f"{name}*" in patterns, name


def test_the_functions_image_leaves_out_what_a_deployment_leaves_out():
    def normal(line: str) -> str:
        return line.strip().removeprefix("**/").rstrip("/")

    funcignore = {normal(x) for x in (ROOT / ".funcignore").read_text().splitlines() if x.strip() and x[0] != "#"}
    dockerignore = {normal(x) for x in IGNORE_FILES["functions"].read_text().splitlines() if x.strip() and x[0] != "#"}
    assert funcignore <= dockerignore, funcignore - dockerignore
