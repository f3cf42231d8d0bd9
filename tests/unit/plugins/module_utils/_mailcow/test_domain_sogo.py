"""add/domain answers with restart_sogo: the shapes of mailcow-dockerized's functions.mailbox.inc.php (add 'domain')."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.domain import sogo_restart_outcome

LOG = ["mailbox", "add", "domain", {"domain": "a.test", "restart_sogo": 1}, None]
DKIM = {"type": "success", "log": ["dkim", "add", {}], "msg": ["dkim_added", "a.test"]}


@pytest.mark.parametrize("entries, outcome", [
    ([DKIM, {"type": "success", "log": LOG, "msg": ["domain_added", "a.test"]}], "restarted"),
    ([DKIM, {"type": "warning", "log": LOG, "msg": "domain_added_sogo_failed"}], "failed"),
    ([{"type": "warning", "log": LOG, "msg": ["tag_limit_exceeded", "limit 25"]},
      {"type": "success", "log": LOG, "msg": ["domain_added", "a.test"]}], "restarted"),
    ([], "restarted"),
])
def test_sogo_restart_outcome(entries, outcome):
    assert sogo_restart_outcome(entries) == outcome
