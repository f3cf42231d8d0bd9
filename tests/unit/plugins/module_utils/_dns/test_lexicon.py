"""The lexicon provider without dns-lexicon installed: a clear error, not an ImportError at module load."""
from __future__ import annotations

import sys

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import lexicon, registry
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError


def test_missing_library_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "lexicon", None)     # import lexicon -> ImportError
    assert "lexicon" in registry.PROVIDERS                 # the collection loads without the library
    with pytest.raises(DNSError, match=r"needs the Python library dns-lexicon.*pip install dns-lexicon"):
        lexicon.Provider("example.test", {"lexicon_provider": "powerdns", "lexicon_options": {}})


def test_backend_name_is_required():
    with pytest.raises(DNSError, match="needs lexicon_provider"):
        lexicon.Provider("example.test", {"lexicon_provider": "", "lexicon_options": {}})
