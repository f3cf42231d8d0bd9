"""imap_sync and imap_sync_batch (its options and jobs[].options) check the copy options against one spec,
options.sync_options_spec, with the same words, before anything connects (the endpoints here point at a
closed port: an option let through would end in a connection error, not in the expected message)."""
from __future__ import annotations

import pytest
import yaml

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import sync_options_spec
from tests.lib.collection import REPO
from tests.unit.plugins.modules.test_module_docs import doc_strings

ENDPOINT = {"host": "127.0.0.1", "port": 9, "security": "plain", "allow_plaintext": True, "user": "u",
            "password": "pw-not-used", "timeout": 2}

# (options, words every module must say)
BAD = [
    ({"connections": 0}, "connections must be 1 or more"),
    ({"errors_max": 0}, "errors_max must be 1 or more"),
    ({"max_size": -1}, "max_size must not be negative"),
    ({"delete1": True, "delete2": True}, "delete1 and delete2 are mutually exclusive"),
    ({"verify": "sometimes"}, "verify must be one of: standard, full, got: sometimes"),
    ({"folders_include": ["(unclosed"]}, "folders_include: '(unclosed' is not a valid regular expression"),
    ({"useheader": ["Message Id"]}, "useheader: 'Message Id' is not a header field name"),
    ({"regextrans2": [{"regex": "(x", "replace": ""}]}, "regextrans2[0]: '(x' is not a valid regular expression"),
    ({"regextrans2": [{"regex": "(x)", "replace": "$1"}]}, "holds the Perl group reference '$1'"),
    ({"regextrans2": [{"regex": "x"}]}, "replace"),
    ({"max_age": "old"}, "max_age"),
    ({"no_such_option": 1}, "no_such_option"),
]


def _sync(options):
    return dict({"source": dict(ENDPOINT), "destination": dict(ENDPOINT)}, **options)


def _job(options=None):
    return {"id": "anna", "source": dict(ENDPOINT), "destination": dict(ENDPOINT), "options": options or {}}


@pytest.mark.parametrize("options,words", BAD, ids=[w.split(":")[0][:30] for _o, w in BAD])
def test_the_same_bad_option_is_refused_alike_everywhere(run_module, options, words):
    single = run_module("imap_sync", _sync(options))
    in_job = run_module("imap_sync_batch", {"jobs": [_job(options)]})
    shared = run_module("imap_sync_batch", {"jobs": [_job()], "options": options})
    for result in (single, in_job, shared):
        assert result.failed and not result.get("crashed"), result
        assert words in result["msg"], result["msg"]
        assert "127.0.0.1" not in result["msg"] and "pw-not-used" not in result.stdout  # nothing connected
    assert "job anna: " in in_job["msg"]
    # a bad shared option is named once, as the shared options', not once per job
    assert "options: " in shared["msg"] and "job anna" not in shared["msg"], shared["msg"]


def test_a_job_over_bad_shared_options_is_still_checked_on_its_own(run_module):
    result = run_module("imap_sync_batch", {"jobs": [_job({"connections": 0})], "options": {"max_size": -1}})
    assert result.failed and not result.get("crashed")
    assert result["problems"] == ["options: max_size must not be negative", "job anna: connections must be 1 or more"]


def test_imap_sync_documents_exactly_the_shared_spec():
    documented = yaml.safe_load(doc_strings(REPO / "plugins" / "modules" / "imap_sync.py")["DOCUMENTATION"])["options"]
    spec = sync_options_spec()
    assert set(documented) == set(spec)
    for name, arg in spec.items():
        doc = documented[name]
        assert doc["type"] == arg["type"], name
        assert doc.get("default") == arg.get("default"), name
        assert doc.get("choices") == arg.get("choices"), name
        assert doc.get("elements") == arg.get("elements"), name
