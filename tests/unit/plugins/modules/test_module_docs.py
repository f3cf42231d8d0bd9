"""Every module's DOCUMENTATION, EXAMPLES and RETURN is valid YAML (ansible-test sanity says so too, but
only at the end of `make test`: a stray ": " in a description should fail in seconds)."""
from __future__ import annotations

import ast

import pytest
import yaml

from tests.lib.collection import REPO

MODULES = sorted((REPO / "plugins" / "modules").glob("*.py"))


def doc_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("DOCUMENTATION", "EXAMPLES", "RETURN") and isinstance(node.value, ast.Constant):
                found[name] = node.value.value
    return found


def test_there_are_modules():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_docs_are_yaml(path):
    docs = doc_strings(path)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, "%s lacks %s" % (
        path.name, {"DOCUMENTATION", "EXAMPLES", "RETURN"} - set(docs))
    documentation = yaml.safe_load(docs["DOCUMENTATION"])
    assert documentation["module"] == path.stem
    assert documentation["short_description"] and documentation["description"]
    assert isinstance(yaml.safe_load(docs["EXAMPLES"]), list)
    returned = yaml.safe_load(docs["RETURN"])
    assert returned is None or isinstance(returned, dict)
