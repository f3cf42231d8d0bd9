"""imap_sync_batch's jobs[].source/destination documentation is imap_sync's, word for word."""
from __future__ import annotations

import yaml

from ansible_collections.mailwave.migrate.plugins.doc_fragments._imap import ModuleDocFragment as Imap
from ansible_collections.mailwave.migrate.plugins.doc_fragments._imap_batch import ModuleDocFragment as Batch


def _options(fragment):
    return yaml.safe_load(fragment)["options"]


def _nested(text):
    """imap_sync's O(source.x) references as they read under jobs[]."""
    return text.replace("O(source.", "O(jobs[].source.").replace("O(destination.", "O(jobs[].destination.") \
        .replace("O(source)", "O(jobs[].source)")


def test_jobs_endpoints_are_the_imap_fragments_own():
    jobs = _options(Batch.JOBS)["jobs"]["suboptions"]
    for role, fragment in (("source", Imap.SOURCE), ("destination", Imap.DESTINATION)):
        want = yaml.safe_load(_nested(yaml.safe_dump(_options(fragment)[role])))
        assert jobs[role] == want, role
