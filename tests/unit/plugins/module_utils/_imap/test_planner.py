"""planner.py: imapsync's semantics row by row (options, source listing, destination listing -> actions)."""
from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import FlagFilter, Msg, PlanOptions

DATE = "01-Jan-2020 00:00:00 +0000"


def listing(spec):
    """'1:a 2:b/500 3:c/10/\\Seen' -> {uid: Msg}: uid:key[/size[/flags, comma separated]]."""
    out = {}
    for item in spec.split():
        uid, rest = item.split(":", 1)
        parts = rest.split("/")
        key = parts[0] or None
        size = int(parts[1]) if len(parts) > 1 and parts[1] else 100
        flags = tuple(parts[2].split(",")) if len(parts) > 2 and parts[2] else ()
        out[int(uid)] = Msg(int(uid), size, flags, DATE, key)
    return out


# id, options, source, destination, extra arguments, expected
ROWS = [
    ("first copy into an empty folder", {}, "1:a 2:b", "", {},
     dict(copy=[1, 2], matched={}, delete=[])),
    ("re-run: everything matched by key", {}, "1:a 2:b", "7:a 8:b", {},
     dict(copy=[], matched={1: 7, 2: 8}, delete=[])),
    ("multiset: two identical on the source, one on the destination: one copied", {}, "1:a 2:a 3:b", "7:a", {},
     dict(copy=[2, 3], matched={1: 7}, delete=[], source_duplicates=1)),
    ("same key: the candidate with the same size wins", {}, "1:a/300", "7:a/100 8:a/300", {},
     dict(copy=[], matched={1: 8}, delete=[])),
    ("delete2: destination extras are deleted", dict(delete2=True), "1:a", "7:a 8:x 9:a", {},
     dict(copy=[], matched={1: 7}, delete=[8, 9])),
    ("delete2duplicates: only the extra duplicating a present key", dict(delete2duplicates=True),
     "1:a", "7:a 8:x 9:a 10:x", {},
     dict(copy=[], matched={1: 7}, delete=[9, 10])),
    ("delete2 wins over delete2duplicates", dict(delete2=True, delete2duplicates=True), "1:a", "7:a 8:x", {},
     dict(copy=[], matched={1: 7}, delete=[8])),
    # imapsync: --maxage/--minage select on both sides; outside the window nothing is compared or deleted
    ("delete2 + age window: destination messages outside the window are kept", dict(delete2=True),
     "1:old 2:new", "7:old 8:new 9:stray", dict(src_window={2}, dst_window={8, 9}),
     dict(copy=[], matched={2: 8}, delete=[9], filtered=1)),
    ("age window: a source message outside it is not copied", {}, "1:old 2:new", "",
     dict(src_window={2}, dst_window=set()),
     dict(copy=[2], matched={}, delete=[], filtered=1)),
    # imapsync: --maxsize only skips the copy (size_filtered in copy_message)
    ("delete2 + max_size: the big message's copy already there is kept", dict(delete2=True, max_size=1000),
     "1:small 2:big/5000", "8:big/5000", {},
     dict(copy=[1], matched={}, delete=[], filtered=1)),
    ("max_size: a big message is not copied", dict(max_size=1000), "1:small 2:big/5000", "", {},
     dict(copy=[1], matched={}, delete=[], filtered=1)),
    ("max_size: the big message's copy is no duplicate either", dict(delete2duplicates=True, max_size=1000),
     "2:big/5000", "8:big/5000", {}, dict(copy=[], matched={}, delete=[], filtered=1)),
    ("max_size: no flag re-sync of a filtered message", dict(max_size=1000), "2:big/5000/\\Seen", "8:big/5000", {},
     dict(copy=[], matched={}, delete=[], flags=[], filtered=1)),
    # the state's UID map
    ("state map pairs without keys", {}, "1: 2:", "7: 8:", dict(mapped={1: 7, 2: 8}),
     dict(copy=[], matched={1: 7, 2: 8}, delete=[])),
    ("state map: the mapped copy is gone and an edited copy has the key: matched, not copied", {},
     "1:a 2:b", "8:b 9:a/120", dict(mapped={1: 7, 2: 8}),
     dict(copy=[], matched={1: 9, 2: 8}, delete=[], newly=[(1, 9)])),
    ("state map: the mapped copy is gone, nothing else has the key: copied again", {}, "1:a 2:b", "8:b",
     dict(mapped={1: 7, 2: 8}), dict(copy=[1], matched={2: 8}, delete=[])),
    ("delete2 never deletes a destination message the map pairs with a source message", dict(delete2=True),
     "1:a 2:b", "7: 8:", dict(mapped={1: 7, 2: 8}, src_window={1}, dst_window={7, 8}),
     dict(copy=[], matched={1: 7}, delete=[], filtered=1)),
    # flags
    ("flags re-synced on matched messages", {}, "1:a/100/\\Seen 2:b/100/\\Flagged",
     "7:a/100/\\Seen 8:b", {}, dict(copy=[], matched={1: 7, 2: 8}, delete=[], flags=[(8, ("\\Flagged",))])),
    ("resync_flags false: differences counted, not re-synced", dict(resync_flags=False), "2:b/100/\\Flagged",
     "8:b", {}, dict(copy=[], matched={2: 8}, delete=[], flags=[], flag_differences=1)),
    ("flags the destination cannot keep are not a difference", {}, "1:a/100/Work",
     "7:a", dict(flag_filter=FlagFilter((b"\\Seen",))), dict(copy=[], matched={1: 7}, delete=[], flags=[])),
]


@pytest.mark.parametrize("name, options, src, dst, extra, expected", ROWS, ids=[r[0] for r in ROWS])
def test_plan_pair(name, options, src, dst, extra, expected):
    plan = planner.plan_pair(listing(src), listing(dst), PlanOptions(**options), **extra)
    assert [m.uid for m in plan.to_copy] == expected["copy"]
    assert {s: m.uid for s, m in plan.matched.items()} == expected["matched"]
    assert plan.delete_destination == expected["delete"]
    if "flags" in expected:
        assert plan.flag_updates == expected["flags"]
    assert plan.filtered == expected.get("filtered", 0)
    assert plan.source_duplicates == expected.get("source_duplicates", 0)
    assert plan.flag_differences == expected.get("flag_differences", len(plan.flag_updates))
    if "newly" in expected:
        assert plan.newly_matched == expected["newly"]


def test_delete1_counts_matched_and_copied():
    plan = planner.plan_pair(listing("1:a 2:b 3:c"), listing("7:a"), PlanOptions(delete1=True))
    assert plan.deleted_source() == [1]
    # check mode: what a real run deletes once it copied and verified the rest
    assert plan.deleted_source(m.uid for m in plan.to_copy) == [1, 2, 3]


TODAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize("max_age, min_age, expected", [
    (None, None, None),
    (30, None, ["SENTSINCE", datetime.date(2026, 11, 2)]),
    (None, 30, ["SENTBEFORE", datetime.date(2026, 11, 2)]),
    # min_age <= max_age: the intersection (past|----maxage+++++minage---->now)
    (30, 10, ["SENTSINCE", datetime.date(2026, 11, 2), "SENTBEFORE", datetime.date(2026, 11, 22)]),
    # min_age > max_age: the union (past|++++minage-----maxage++++>now)
    (10, 30, ["OR", ["SENTSINCE", datetime.date(2026, 11, 22)], ["SENTBEFORE", datetime.date(2026, 11, 2)]]),
])
def test_age_criteria(max_age, min_age, expected):
    assert planner.age_criteria(max_age, min_age, today=TODAY) == expected


def test_keys_needed():
    src, dst = listing("1: 2: 3:"), listing("7: 8:")
    # nothing unmapped on the destination: no header to read (3 is copied, whatever its key)
    assert planner.keys_needed(src, dst, {1: 7, 2: 8, 3: 9}) == (set(), set())
    assert planner.keys_needed(src, dst, {1: 7, 2: 8}) == (set(), set())
    # a mapped copy gone (3 -> 9) and an unmapped destination message: both sides need keys, mapped ones not
    assert planner.keys_needed(src, listing("7: 8: 10:"), {1: 7, 2: 8, 3: 9}) == ({3}, {10})
    # first copy into an empty folder: no key at all, unless skip_cross_duplicates needs them
    assert planner.keys_needed(src, {}, None) == (set(), set())
    assert planner.keys_needed(src, {}, None, always_source=True) == ({1, 2, 3}, set())
    # delete2duplicates: an unmapped destination message is compared with the mapped ones too
    assert planner.keys_needed(src, listing("7: 8: 10:"), {1: 7, 2: 8}, duplicates=True) == ({3}, {7, 8, 10})
    # the window limits both sides
    assert planner.keys_needed(src, listing("7: 8: 10:"), None, src_window={1}, dst_window={10}) == ({1}, {10})


def test_skip_cross_duplicates_uses_earlier_folders_only():
    inbox, work = listing("1:a"), listing("1:a 2:b")
    decided = planner.skip_cross_duplicates([(list(inbox.values()), ["a"]), (list(work.values()), ["a", "b"])])
    assert [[m.key for m in kept] for kept, _n in decided] == [["a"], ["b"]]
    assert [n for _kept, n in decided] == [0, 1]
    assert sorted(["Sent", "INBOX", "Archive"], key=planner.folder_order) == ["INBOX", "Archive", "Sent"]


def test_shortcut_allowed():
    sig = planner.plan_signature
    plain, d2, d2d = sig(), sig(delete2=True), sig(delete2duplicates=True)
    assert planner.shortcut_allowed(plain, plain)
    assert not planner.shortcut_allowed(None, plain)            # a state from before the signature: look
    assert not planner.shortcut_allowed(plain, d2)              # delete2 asked, never done
    assert not planner.shortcut_allowed(plain, d2d)
    assert not planner.shortcut_allowed(d2d, d2)
    assert planner.shortcut_allowed(d2, d2d) and planner.shortcut_allowed(d2, plain)
    assert not planner.shortcut_allowed(sig(max_age=30), plain)  # the selection changed
    assert not planner.shortcut_allowed(sig(max_size=10), plain)
    # a min_age window moves every day: messages age into it
    assert planner.shortcut_allowed(sig(min_age=30, today=TODAY), sig(min_age=30, today=TODAY))
    assert not planner.shortcut_allowed(sig(min_age=30, today=TODAY),
                                        sig(min_age=30, today=TODAY + datetime.timedelta(days=1)))
    # messages left out by skip_cross_duplicates are due when it is turned off
    assert not planner.shortcut_allowed(sig(skip_cross=True), plain)
    assert planner.shortcut_allowed(plain, sig(skip_cross=True))


def test_shortcut_refused_when_the_identity_headers_changed():
    # the recorded run matched (and found duplicates) with other keys: look again once
    sig = planner.plan_signature
    assert planner.shortcut_allowed(sig(useheader="MESSAGE-ID"), sig(useheader="MESSAGE-ID"))
    assert not planner.shortcut_allowed(sig(), sig(useheader="MESSAGE-ID"))
    assert not planner.shortcut_allowed(sig(useheader="MESSAGE-ID"), sig())
    # a state recorded before useheader existed is a default-headers run
    recorded = json.dumps({k: v for k, v in json.loads(sig()).items() if k != "useheader"})
    assert planner.shortcut_allowed(recorded, sig())


@pytest.mark.parametrize("first, last, expected", [
    # the default: INBOX, then by name (uppercase does not put a name before INBOX), All Mail last
    ((), ("[Gmail]/All Mail",), ["INBOX", "AAA", "Work", "[Gmail]/Sent Mail", "[Gmail]/All Mail"]),
    ((), (), ["INBOX", "AAA", "Work", "[Gmail]/All Mail", "[Gmail]/Sent Mail"]),
    # the user's precedence first, in its order; INBOX only where the user puts it
    (("Work", "INBOX"), ("[Gmail]/All Mail",), ["Work", "INBOX", "AAA", "[Gmail]/Sent Mail", "[Gmail]/All Mail"]),
    (("Work",), ("[Gmail]/All Mail",), ["Work", "INBOX", "AAA", "[Gmail]/Sent Mail", "[Gmail]/All Mail"]),
    # a folder the user names wins over "last"
    (("[Gmail]/All Mail",), ("[Gmail]/All Mail",), ["[Gmail]/All Mail", "INBOX", "AAA", "Work", "[Gmail]/Sent Mail"]),
])
def test_folder_order_precedence(first, last, expected):
    names = ["[Gmail]/Sent Mail", "Work", "[Gmail]/All Mail", "AAA", "INBOX"]
    assert sorted(names, key=lambda n: planner.folder_order(n, first, last)) == expected


def test_skip_cross_duplicates_keeps_each_message_in_its_first_folder_by_precedence():
    work, inbox, all_mail = listing("1:a 2:b"), listing("1:a 3:c"), listing("1:a 2:b 3:c 4:d")
    order = sorted([("INBOX", inbox), ("[Gmail]/All Mail", all_mail), ("Work", work)],
                   key=lambda p: planner.folder_order(p[0], ("Work",), ("[Gmail]/All Mail",)))
    decided = planner.skip_cross_duplicates([(list(m.values()), [x.key for x in m.values()]) for _n, m in order])
    kept = {name: [m.key for m in k] for (name, _m), (k, _n) in zip(order, decided)}
    assert kept == {"Work": ["a", "b"], "INBOX": ["c"], "[Gmail]/All Mail": ["d"]}   # each message once
