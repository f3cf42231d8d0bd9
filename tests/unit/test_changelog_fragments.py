"""Changelog fragments are YAML with known sections (ansible-test sanity checks it too, but last)."""
from __future__ import annotations

import pytest
import yaml

from tests.lib.collection import REPO

SECTIONS = {s[0] for s in yaml.safe_load((REPO / "changelogs" / "config.yaml").read_text())["sections"]}
FRAGMENTS = sorted((REPO / "changelogs" / "fragments").glob("*.yml"))


def test_there_are_fragments():
    assert FRAGMENTS


@pytest.mark.parametrize("path", FRAGMENTS, ids=lambda p: p.name)
def test_fragment_is_yaml_with_known_sections(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    assert set(data) <= SECTIONS | {"trivial", "release_summary"}, set(data) - SECTIONS
    for section, entries in data.items():
        if section == "release_summary":
            assert isinstance(entries, str) and entries
        else:
            assert isinstance(entries, list) and all(isinstance(e, str) and e for e in entries)
