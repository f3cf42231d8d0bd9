"""The execution-environment definition AWX needs: ansible-builder finds every run-time dependency of the
collection (Python and system), and the example EE definition turns into a build context."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.lib.collection import REPO, ensure_collection_link

BUILDER = pathlib.Path(sys.executable).with_name("ansible-builder")
pytestmark = pytest.mark.skipif(not BUILDER.exists(), reason="ansible-builder is not installed (make deps)")


def _requirements(path):
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def test_builder_finds_every_runtime_dependency():
    out = subprocess.run([str(BUILDER), "introspect", str(ensure_collection_link())], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    for requirement in _requirements(REPO / "requirements.txt") + _requirements(REPO / "bindep.txt"):
        assert "%s  # from collection mailwave.migrate" % requirement in out


def test_example_definition_makes_a_build_context(tmp_path):
    context = tmp_path / "context"
    subprocess.run([str(BUILDER), "create", "-f", str(REPO / "examples" / "execution-environment.yml"),
                    "--context", str(context)], check=True, capture_output=True, text=True, timeout=120)
    recipe = (context / "Dockerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy" in recipe
    galaxy = (context / "_build" / "requirements.yml").read_text(encoding="utf-8")
    assert "mailwave.migrate" in galaxy
    shutil.rmtree(context)
