"""dav_syncs against real servers: two Radicale accounts into SOGo in one module run, one of them refused."""
from __future__ import annotations

import json
import os

from tests.integration.groupware.test_dav_sync import _seed_radicale, _sogo_objects


def _account(radicale, src_user, src_password, sogo, user, password, state_file):
    return {"id": user, "source": {"url": radicale.base_url, "user": src_user, "password": src_password},
            "destination": {"url": sogo.base_url, "user": user, "password": password}, "state_file": str(state_file)}


def test_two_accounts_one_refused_copied_in_one_run_and_rerun_unchanged(run_module, radicale, radicale_account, sogo,
                                                                        sogo_account, tmp_path):
    good_src, good_src_password = radicale_account()
    cards, small, large = _seed_radicale(radicale, good_src)
    refused_src, _right = radicale_account()  # logs in with a wrong password below
    good, good_password = sogo_account()
    refused, refused_password = sogo_account()
    args = {"accounts": [
        _account(radicale, good_src, good_src_password, sogo, good, good_password, tmp_path / "good.json"),
        _account(radicale, refused_src, "Wrong-Source-Pw", sogo, refused, refused_password, tmp_path / "refused.json"),
    ], "parallel": 2}

    predicted = run_module("dav_syncs", args, check_mode=True, diff=True)
    assert not predicted.failed and not predicted.get("crashed"), (predicted, predicted.stderr[-3000:])
    ok, bad = predicted["accounts"]
    assert predicted.changed and ok["changed"] and ok["requests"]["writes"] == 0
    assert bad["id"] == refused and bad["failed"] and "refused the login" in bad["msg"] and not bad["changed"]
    assert not (tmp_path / "good.json").exists() and not (tmp_path / "refused.json").exists()
    assert _sogo_objects(sogo, good, good_password, "Contacts/personal/") == {}

    first = run_module("dav_syncs", args, diff=True)
    assert not first.failed, first
    ok, bad = first["accounts"]
    assert first.changed and ok["id"] == good and ok["changed"] and not ok.get("failed")
    # exactly dav_sync's fields for the account, plus id and changed
    assert set(ok) == {"id", "changed", "contacts", "calendars", "collections", "problems", "requests"}
    assert ok["contacts"]["copied"] == len(cards) == predicted["accounts"][0]["contacts"]["copied"]
    assert ok["calendars"]["copied"] == len(small) + len(large)
    for kind in ("contacts", "calendars"):
        assert ok[kind]["verified"] + ok[kind]["altered"] == ok[kind]["copied"], ok[kind]
    assert set(_sogo_objects(sogo, good, good_password, "Contacts/personal/")) | set(
        _sogo_objects(sogo, good, good_password, "Contacts/friends/")) == set(cards)
    assert oct(os.stat(tmp_path / "good.json").st_mode & 0o777) == "0o600"
    assert bad["failed"] and "refused the login" in bad["msg"]
    assert _sogo_objects(sogo, refused, refused_password, "Contacts/personal/") == {}
    # one diff for the run, keyed by the destination collections (the account's user is in them)
    assert first["diff"]["after"] and all(f"/SOGo/dav/{good}/" in key for key in first["diff"]["after"])
    assert "Wrong-Source-Pw" not in first.stdout and good_password not in first.stdout

    again = run_module("dav_syncs", args)
    assert not again.failed and not again.changed, again
    ok, bad = again["accounts"]
    assert not ok["changed"] and ok["requests"]["writes"] == 0
    assert ok["contacts"]["copied"] == ok["calendars"]["copied"] == 0
    assert all(c["incremental"] for c in ok["collections"])
    assert bad["failed"] and "refused the login" in bad["msg"]
    assert json.loads((tmp_path / "good.json").read_text())["collections"]
