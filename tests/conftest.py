"""Shared pytest set-up: the collection importable as ansible_collections.mailwave.migrate."""
from __future__ import annotations

import sys

import pytest

from tests.lib.collection import ensure_collection_link
from tests.lib.modrun import run_module as _run_module

sys.path.insert(0, str(ensure_collection_link()))


@pytest.fixture
def run_module():
    """run_module(name, args, check_mode=False, diff=False) -> ModuleResult (see tests/lib/modrun.py)."""
    return _run_module


# Server fixtures, one plugin per kind of server; any test can use any of them.
pytest_plugins = [
    "tests.servers.dovecot_fixtures",
    "tests.servers.dns_fixtures",
    "tests.servers.dns_api_fixtures",
    "tests.servers.mailcow_fixtures",
]
