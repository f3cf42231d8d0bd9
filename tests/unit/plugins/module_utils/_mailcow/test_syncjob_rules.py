"""The module refuses exactly what Mailcow's validator refuses (compared with the emulator, which replays the
transcripts), and accepts what it accepts."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import (
    IMAPSYNC_BLACKLIST, IMAPSYNC_WHITELIST, custom_params_problem, exclude_problem)
from tests.servers.mailcow.emulator import MailcowState, pcre_valid

PARAMS = ["", "--nosyncacls --syncinternaldates", "--regextrans2=s/a/b/", "--regextrans2 s/a/b/", "--skipmess x",
          "--maxsize=1000000", "--useuid", "--frobnicate", "--folder=INBOX", "--folder=INBOX/a-b", "--gmail1",
          "--delete2foldersonly=x", "--exitwhenover=500000000  --errorsmax=100"]


@pytest.mark.parametrize("params", PARAMS)
def test_custom_params_same_verdict_as_mailcow(params):
    state = MailcowState()
    mailcow_says = state._custom_params_error(params, [])  # pylint: disable=protected-access
    ours = custom_params_problem(params)
    assert (mailcow_says is None) == (ours is None), (mailcow_says, ours)
    if mailcow_says is not None:
        assert mailcow_says["msg"] in ours


@pytest.mark.parametrize("pattern", ["", "(?i)spam|(?i)junk", "(unclosed", "a/b", r"a\/b", "^INBOX\\.Trash$",
                                     "[unterminated"])
def test_exclude_same_verdict_as_mailcow(pattern):
    assert (exclude_problem(pattern) is None) == pcre_valid(pattern)


def test_lists_are_disjoint():
    assert not IMAPSYNC_BLACKLIST & IMAPSYNC_WHITELIST
