"""The GitHub workflows: actionlint (with ShellCheck on run: scripts), zizmor, pins and permissions.

actionlint checks that a workflow works: its syntax, expressions and their types, contexts,
`needs`, action inputs, runner labels, and (through ShellCheck) every `run:` script. zizmor
audits its security: unpinned actions, credentials left in the checkout, template injection,
permissions broader than a job needs, dangerous triggers. Both run offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from tests.infra.conftest import ROOT, tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BROKEN = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.event.head_commit.message }}
  report:
    needs: [biuld]
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ matrix.os }}
"""
CARELESS = """\
name: careless
on: pull_request
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""


def actionlint(*paths, shellcheck: str | None = None) -> subprocess.CompletedProcess:
    option = [f"-shellcheck={shellcheck}"] if shellcheck else ["-shellcheck="]
    return subprocess.run([tool("actionlint"), "-no-color", *option, *map(str, paths)],
                          capture_output=True, text=True, check=False, cwd=ROOT)


def zizmor(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "plain", *map(str, paths)],
                          capture_output=True, text=True, check=False, cwd=ROOT)


def load(path):
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on` as true
    return workflow


def test_there_are_ci_deploy_and_evals_workflows():
    assert {p.stem for p in WORKFLOWS} >= {"ci", "deploy", "evals"}


def test_the_workflows_pass_actionlint_with_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        tool("shellcheck")  # skips locally, fails in CI
    result = actionlint(*WORKFLOWS, shellcheck=shellcheck)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    out = actionlint(broken).stdout
    assert 'job "report" needs job "biuld" which does not exist' in out
    assert '"github.event.head_commit.message" is potentially untrusted' in out
    assert 'property "os" is not defined' in out


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path):
    shellcheck = tool("shellcheck")
    script = tmp_path / "script.yml"
    script.write_text('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf $DIR/*\n')
    out = actionlint(script, shellcheck=shellcheck).stdout
    assert "SC2086" in out  # unquoted variable


def test_the_workflows_pass_zizmor():
    result = zizmor(ROOT / ".github")
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_flags_an_unpinned_action_broad_permissions_and_kept_credentials(tmp_path):
    careless = tmp_path / "careless.yml"
    careless.write_text(CARELESS)
    result = zizmor(careless)
    assert result.returncode != 0
    for audit in ("unpinned-uses", "excessive-permissions", "artipacked"):
        assert audit in result.stdout, audit


def _uses(workflow):
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step:
                yield step["uses"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path):
    for uses in _uses(load(path)):
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
    # and says which release that commit is, for the reader and for Dependabot
    for line in path.read_text().splitlines():
        if re.search(r"uses: \S+@[0-9a-f]{40}", line):
            assert re.search(r"# v\d+\.\d+\.\d+$", line), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_asks_for_its_own_minimal_permissions(path):
    workflow = load(path)
    assert workflow["permissions"] == {}  # nothing by default; each job names what it needs
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict) and permissions, f"{path.name}: job {name} names no permissions"
        assert permissions.get("contents") in ("read", "write")
        if permissions.get("id-token") == "write":
            assert path.stem == "deploy", f"{path.name}: job {name} asks for an OIDC token"
        if "write" in (permissions.get("contents"), permissions.get("pull-requests")):
            assert (path.stem, name) in {("lock-refresh", "refresh"), ("deploy", "preview")}, name


def test_deploy_reaches_azure_with_oidc_and_stores_no_cloud_secret():
    workflow = load(ROOT / ".github" / "workflows" / "deploy.yml")
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert "secrets." not in text
    logins = [s for job in workflow["jobs"].values() for s in job["steps"] if s.get("uses", "").startswith("azure/login@")]
    assert logins
    for login in logins:
        assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}  # no `creds` JSON


def test_deploy_previews_pull_requests_and_applies_main_behind_the_stack_environment():
    jobs = load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]
    assert "pull_request" in jobs["preview"]["if"]
    preview = next(s for s in jobs["preview"]["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert preview["with"]["command"] == "preview"

    deploy = jobs["deploy"]
    assert "refs/heads/main" in deploy["if"]
    assert deploy["environment"] == "${{ matrix.stack }}"
    runs = [s.get("run", "") for s in deploy["steps"]]
    names = [s.get("name", s.get("uses", "")) for s in deploy["steps"]]
    up = next(i for i, r in enumerate(runs) if "pulumi up" in r)
    code = next(i for i, s in enumerate(deploy["steps"]) if s.get("uses", "").startswith("Azure/functions-action@"))
    smoke = next(i for i, n in enumerate(names) if "smoke test" in n)
    assert up < code < smoke
    assert "$HEALTH_URL" in runs[smoke] and "--fail" in runs[smoke]
    assert deploy["steps"][code]["with"]["sku"] == "flexconsumption"
