"""Folder plan rules (include/exclude/map/automap/subfolder/separators/prefix/legal names/collisions), mUTF-7."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders as F

L = F.FolderListing.from_names


def dovecot(names=(), special=None):
    return L(["INBOX", *names], delimiter="/", special=special or {})


def courier(names=(), special=None):
    return L(["INBOX", *names], delimiter=".", prefix="INBOX.", special=special or {})


# --- modified UTF-7 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, wire", [
    ("Éléments envoyés", b"&AMk-l&AOk-ments envoy&AOk-s"),
    ("A&B", b"A&-B"),
    ("&", b"&-"),
    ("Entwürfe", b"Entw&APw-rfe"),
    ("日本語", b"&ZeVnLIqe-"),
    ("plain", b"plain"),
])
def test_mutf7_round_trip(name, wire):
    assert F.encode(name) == wire
    assert F.decode(wire) == name
    assert F.decode(F.encode(name)) == name


def test_decode_accepts_int_and_decoded_str():
    assert F.decode(2023) == "2023"
    assert F.decode("Déjà") == "Déjà"
    assert F.decode("&AMk-t&AOk-") == "Été"   # still-encoded str (client with folder_encode off)


# --- folder model -------------------------------------------------------------------------------------

def test_folder_flags_and_roles():
    listing = L(["INBOX", "Sent", "Gesendete Elemente", "[Gmail]", "[Gmail]/Corbeille"], delimiter="/",
                special={"Sent": "\\Sent"}, noselect=["[Gmail]"])
    assert listing.get("[Gmail]").selectable is False
    assert listing.get("Sent").special_use == "\\Sent"
    assert listing.role_of("Sent") == ("\\Sent", "flag")
    assert listing.role_of("Gesendete Elemente") == ("\\Sent", "name")
    assert listing.role_of("[Gmail]/Corbeille") == ("\\Trash", "name")
    assert listing.role_of("INBOX") == (None, None)
    assert listing.find_role("\\Sent") == "Sent"
    assert listing.find_role("\\Trash") == "[Gmail]/Corbeille"
    assert listing.find_role("\\Drafts") is None
    assert listing.special_use_map() == {"\\Sent": "Sent"}


def test_guess_role_localised_names():
    for name, role in [("Sent Items", "\\Sent"), ("Éléments envoyés", "\\Sent"), ("Posta inviata", "\\Sent"),
                       ("Verzonden items", "\\Sent"), ("Elementos enviados", "\\Sent"), ("Sent Messages", "\\Sent"),
                       ("[Gmail]/Sent Mail", "\\Sent"), ("INBOX/Sent", "\\Sent"), ("Deleted Items", "\\Trash"),
                       ("Corbeille", "\\Trash"), ("Papierkorb", "\\Trash"), ("Spam", "\\Junk"),
                       ("Junk E-mail", "\\Junk"), ("Courrier indésirable", "\\Junk"), ("Brouillons", "\\Drafts"),
                       ("Entwürfe", "\\Drafts"), ("Archives", "\\Archive"), ("sent items", "\\Sent")]:
        assert F.guess_role(name, "/") == role, name
    assert F.guess_role("Work/Sent", "/") is None      # only top level (or under INBOX / [Gmail])
    assert F.guess_role("Projects", "/") is None


# --- selection ----------------------------------------------------------------------------------------

def test_include_exclude_are_unanchored_regexes_include_first():
    src = dovecot(["Work", "Work/2019", "Private", "Spam", "Archive/Work"])
    plan = F.plan(src, dovecot(), include=["Work"], exclude=["2019$"])
    assert [src for src, _dst in plan.pairs] == ["Work", "Archive/Work"]
    assert set(plan.excluded) == {"INBOX", "Work/2019", "Private", "Spam"}


def test_exclude_only_and_bad_regex():
    src = dovecot(["Spam", "Junk", "Keep"])
    plan = F.plan(src, dovecot(), exclude=["(?i)spam|junk"])
    assert [src for src, _dst in plan.pairs] == ["INBOX", "Keep"]
    with pytest.raises(F.FolderPlanError, match="folders_exclude.*not a valid regular expression"):
        F.plan(src, dovecot(), exclude=["("])


def test_noselect_not_copied_but_children_are():
    src = L(["INBOX", "Parent", "Parent/Child"], delimiter="/", noselect=["Parent"])
    plan = F.plan(src, dovecot())
    assert plan.pairs == [("INBOX", "INBOX"), ("Parent/Child", "Parent/Child")]


def test_exclude_special_use_gmail():
    src = L(["INBOX", "[Gmail]", "[Gmail]/Tous les messages", "[Gmail]/Important", "[Gmail]/Messages envoyés",
             "Label"], delimiter="/", noselect=["[Gmail]"],
            special={"[Gmail]/Tous les messages": "\\All", "[Gmail]/Important": "\\Important",
                     "[Gmail]/Messages envoyés": "\\Sent"})
    plan = F.plan(src, dovecot(), exclude_special_use=["\\All", "\\Important"], strip_prefixes=["[Gmail]/"])
    assert plan.pairs == [("INBOX", "INBOX"), ("[Gmail]/Messages envoyés", "Messages envoyés"), ("Label", "Label")]
    assert set(plan.excluded) == {"[Gmail]/Tous les messages", "[Gmail]/Important"}


# --- explicit map and automap -------------------------------------------------------------------------

def test_folder_map_wins_over_automap_and_subfolder():
    src = dovecot(["Sent Items", "Old"])
    dst = dovecot(["Sent"], special={"Sent": "\\Sent"})
    plan = F.plan(src, dst, automap=True, folder_map={"Sent Items": "Archive/Sent 2019"}, subfolder="Migrated")
    assert dict(plan.pairs)["Sent Items"] == "Archive/Sent 2019"
    assert dict(plan.pairs)["Old"] == "Migrated/Old"
    assert plan.automapped == []


def test_folder_map_unknown_key_warns():
    plan = F.plan(dovecot(), dovecot(), folder_map={"Nope": "X"})
    assert plan.pairs == [("INBOX", "INBOX")]
    assert any("Nope" in w for w in plan.warnings)


def test_automap_flags_on_both_sides():
    src = dovecot(["Envoyés", "Poubelle"], special={"Envoyés": "\\Sent", "Poubelle": "\\Trash"})
    dst = dovecot(["Sent Mail", "Bin"], special={"Sent Mail": "\\Sent", "Bin": "\\Trash"})
    plan = F.plan(src, dst, automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "Envoyés": "Sent Mail", "Poubelle": "Bin"}
    assert {a["role"] for a in plan.automapped} == {"\\Sent", "\\Trash"}


def test_automap_names_on_source_flags_on_destination():
    src = dovecot(["Sent Items", "Deleted Items", "Junk E-mail", "Brouillons"])
    dst = dovecot(["Sent", "Trash", "Junk", "Drafts"],
                  special={"Sent": "\\Sent", "Trash": "\\Trash", "Junk": "\\Junk", "Drafts": "\\Drafts"})
    plan = F.plan(src, dst, automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "Sent Items": "Sent", "Deleted Items": "Trash",
                                "Junk E-mail": "Junk", "Brouillons": "Drafts"}


def test_automap_flag_on_source_name_on_destination():
    src = dovecot(["Elementi inviati"], special={"Elementi inviati": "\\Sent"})
    dst = dovecot(["Gesendete Elemente"])   # no SPECIAL-USE on the destination
    assert dict(F.plan(src, dst, automap=True).pairs)["Elementi inviati"] == "Gesendete Elemente"


def test_automap_to_standard_name_when_destination_has_none():
    src = dovecot(["Éléments envoyés", "Corbeille"])
    plan = F.plan(src, courier(), automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "Éléments envoyés": "INBOX.Sent", "Corbeille": "INBOX.Trash"}


def test_automap_one_folder_per_role_flag_first():
    src = dovecot(["Sent Items", "Outgoing"], special={"Outgoing": "\\Sent"})
    dst = dovecot(["Sent"], special={"Sent": "\\Sent"})
    plan = F.plan(src, dst, automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "Outgoing": "Sent", "Sent Items": "Sent Items"}


def test_automap_never_merges_with_a_folder_of_the_same_name():
    src = dovecot(["Sent", "Sent Items"], special={"Sent Items": "\\Sent"})
    dst = dovecot(["Sent"], special={"Sent": "\\Sent"})
    plan = F.plan(src, dst, automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "Sent": "Sent", "Sent Items": "Sent Items"}
    assert any("not mapped" in w for w in plan.warnings)


def test_automap_gmail_names():
    src = L(["INBOX", "[Gmail]", "[Gmail]/Sent Mail", "[Gmail]/Spam", "[Gmail]/Drafts"], delimiter="/",
            noselect=["[Gmail]"])
    plan = F.plan(src, dovecot(["Sent", "Junk", "Drafts"]), automap=True)
    assert dict(plan.pairs) == {"INBOX": "INBOX", "[Gmail]/Sent Mail": "Sent", "[Gmail]/Spam": "Junk",
                                "[Gmail]/Drafts": "Drafts"}


def test_automap_off_keeps_names():
    src = dovecot(["Sent Items"])
    assert dict(F.plan(src, dovecot(["Sent"], special={"Sent": "\\Sent"})).pairs)["Sent Items"] == "Sent Items"


# --- subfolder ---------------------------------------------------------------------------------------

def test_subfolder_like_imapsync_subfolder2_inbox_included():
    src = dovecot(["Work", "Work/2019"])
    plan = F.plan(src, dovecot(), subfolder="Old Provider")
    assert plan.pairs == [("INBOX", "Old Provider/INBOX"), ("Work", "Old Provider/Work"),
                          ("Work/2019", "Old Provider/Work/2019")]


def test_subfolder_nested_on_courier_destination():
    plan = F.plan(dovecot(["Work"]), courier(), subfolder="Old.2024")
    assert plan.pairs == [("INBOX", "INBOX.Old.2024.INBOX"), ("Work", "INBOX.Old.2024.Work")]


def test_automapped_folder_not_moved_under_subfolder():
    src = dovecot(["Sent Items"])
    plan = F.plan(src, dovecot(["Sent"], special={"Sent": "\\Sent"}), automap=True, subfolder="Old")
    assert dict(plan.pairs) == {"INBOX": "Old/INBOX", "Sent Items": "Sent"}


# --- separators and prefixes -----------------------------------------------------------------------------

def test_slash_to_dot_with_prefix():
    src = dovecot(["Work", "Work/2019", "Clients/ACME/Invoices"])
    plan = F.plan(src, courier())
    assert plan.pairs == [("INBOX", "INBOX"), ("Work", "INBOX.Work"), ("Work/2019", "INBOX.Work.2019"),
                          ("Clients/ACME/Invoices", "INBOX.Clients.ACME.Invoices")]


def test_dot_with_prefix_to_slash():
    src = courier(["INBOX.Work", "INBOX.Work.2019", "INBOX.Été"])
    plan = F.plan(src, dovecot())
    assert plan.pairs == [("INBOX", "INBOX"), ("INBOX.Work", "Work"), ("INBOX.Work.2019", "Work/2019"),
                          ("INBOX.Été", "Été")]


def test_dot_without_prefix_to_slash_and_inbox_children():
    src = L(["INBOX", "INBOX.Sub", "Work.2019"], delimiter=".")
    plan = F.plan(src, dovecot())
    assert plan.pairs == [("INBOX", "INBOX"), ("INBOX.Sub", "INBOX/Sub"), ("Work.2019", "Work/2019")]


def test_inbox_case_insensitive():
    src = L(["Inbox", "inbox/Sub"], delimiter="/")
    plan = F.plan(src, courier())
    assert plan.pairs == [("Inbox", "INBOX"), ("inbox/Sub", "INBOX.Sub")]


# issue 11 item 8 (namespaces): children of INBOX land under a destination prefix that is INBOX itself
@pytest.mark.parametrize("source, destination, expected", [
    (dovecot(["INBOX/Newsletters", "INBOX/Newsletters/2024"]), courier(),
     {"INBOX/Newsletters": "INBOX.Newsletters", "INBOX/Newsletters/2024": "INBOX.Newsletters.2024"}),
    (L(["INBOX", "INBOX.Newsletters"], delimiter="."), courier(), {"INBOX.Newsletters": "INBOX.Newsletters"}),
    (dovecot(["INBOX/Newsletters"]), L(["INBOX"], delimiter="/", prefix="INBOX/"),
     {"INBOX/Newsletters": "INBOX/Newsletters"}),
    # a prefix other than INBOX keeps INBOX as a folder of its own under it
    (dovecot(["INBOX/Newsletters"]), L(["INBOX"], delimiter=".", prefix="Mail."),
     {"INBOX/Newsletters": "Mail.INBOX.Newsletters"}),
    # no prefix: unchanged
    (dovecot(["INBOX/Newsletters"]), L(["INBOX"], delimiter="."), {"INBOX/Newsletters": "INBOX.Newsletters"}),
    # and back: a Cyrus/Courier child of INBOX is a top-level folder on Dovecot (the prefix is removed)
    (courier(["INBOX.Newsletters"]), dovecot(), {"INBOX.Newsletters": "Newsletters"}),
])
def test_inbox_children_map_onto_an_inbox_prefix(source, destination, expected):
    pairs = dict(F.plan(source, destination).pairs)
    assert pairs["INBOX"] == "INBOX"
    assert {k: v for k, v in pairs.items() if k in expected} == expected


def test_inbox_child_and_same_top_level_name_collide_with_a_clear_error():
    # both would be INBOX.Newsletters on Cyrus/Courier: never merged silently
    with pytest.raises(F.FolderPlanError, match="INBOX/Newsletters.*Newsletters|Newsletters.*INBOX/Newsletters"):
        F.plan(dovecot(["Newsletters", "INBOX/Newsletters"]), courier())


def test_inbox_child_under_subfolder_keeps_inbox():
    plan = F.plan(dovecot(["INBOX/Newsletters"]), courier(), subfolder="Old")
    assert dict(plan.pairs)["INBOX/Newsletters"] == "INBOX.Old.INBOX.Newsletters"


# --- illegal names and collisions --------------------------------------------------------------------------

def test_component_with_destination_separator_is_renamed_and_reported():
    src = dovecot(["a.b", "Clients/acme.com", "Version 1.2/notes"])
    plan = F.plan(src, courier())
    assert dict(plan.pairs) == {"INBOX": "INBOX", "a.b": "INBOX.a_b", "Clients/acme.com": "INBOX.Clients.acme_com",
                                "Version 1.2/notes": "INBOX.Version 1_2.notes"}
    assert {r["source"] for r in plan.renamed} == {"a.b", "Clients/acme.com", "Version 1.2/notes"}
    assert all("separator" in r["reason"] for r in plan.renamed)


def test_slash_in_name_going_to_slash_destination():
    src = L(["INBOX", "INBOX.a/b"], delimiter=".", prefix="INBOX.")
    plan = F.plan(src, dovecot())
    assert dict(plan.pairs)["INBOX.a/b"] == "a_b"
    assert plan.renamed[0]["destination"] == "a_b"


def test_renamed_name_never_takes_an_existing_one():
    src = dovecot(["a.b", "a_b"])
    plan = F.plan(src, courier())
    assert dict(plan.pairs) == {"INBOX": "INBOX", "a.b": "INBOX.a_b_2", "a_b": "INBOX.a_b"}
    assert "taken" in plan.renamed[0]["reason"]


def test_explicit_collision_is_an_error():
    src = dovecot(["A", "B"])
    with pytest.raises(F.FolderPlanError, match="'A' and 'B' would both go to"):
        F.plan(src, dovecot(), folder_map={"A": "B"})


def test_inbox_case_collision_is_an_error():
    src = dovecot(["inbox/x", "INBOX/x"])
    with pytest.raises(F.FolderPlanError, match="'inbox/x' and 'INBOX/x' would both go to the destination folder 'INBOX/x'.*folder_map"):
        F.plan(src, dovecot())
    plan = F.plan(src, dovecot(), folder_map={"inbox/x": "lower-x"})
    assert dict(plan.pairs) == {"INBOX": "INBOX", "inbox/x": "lower-x", "INBOX/x": "INBOX/x"}


def test_unicode_names_kept():
    src = dovecot(["Éléments envoyés", "Données/2024 & co", "日本"])
    plan = F.plan(src, courier())
    assert dict(plan.pairs)["Données/2024 & co"] == "INBOX.Données.2024 & co"
    assert dict(plan.pairs)["日本"] == "INBOX.日本"


def test_plan_as_dict_is_json_ready():
    import json
    plan = F.plan(dovecot(["a.b", "Sent Items"]), courier(), automap=True)
    data = json.loads(json.dumps(plan.as_dict()))
    assert data["pairs"][0] == {"source": "INBOX", "destination": "INBOX"}
    assert data["renamed"][0]["destination"] == "INBOX.a_b"
    assert data["automapped"][0]["role"] == "\\Sent"


# --- list_folders on a stand-in client (the real server is in tests/integration/imap) -----------------------

class _Client:
    """Only what list_folders() calls, shaped like imapclient's answers (decoded names, bytes flags)."""

    def __init__(self, caps, listing, lsub, namespace=None):
        self._caps, self._listing, self._lsub, self._ns = caps, listing, lsub, namespace
        self.folder_encode = True

    def capabilities(self):
        return self._caps

    def namespace(self):
        class NS:
            personal = self._ns
        return NS()

    def list_folders(self, directory="", pattern="*"):
        return self._listing

    def list_sub_folders(self, directory="", pattern="*"):
        return self._lsub


def test_list_folders_courier_like_without_namespace():
    client = _Client((b"IMAP4REV1",), [((b"\\HasChildren",), b".", "INBOX"),
                                       ((b"\\HasNoChildren", b"\\Sent"), b".", "INBOX.Sent"),
                                       ((b"\\Noselect",), b".", "INBOX.Old")],
                     [((), b".", "INBOX")])
    listing = F.list_folders(client)
    assert listing.delimiter == "." and listing.prefix == "INBOX."
    assert listing.get("INBOX").subscribed is True and listing.get("INBOX.Sent").subscribed is False
    assert listing.get("INBOX.Sent").special_use == "\\Sent"
    assert not listing.get("INBOX.Old").selectable


def test_list_folders_namespace_wins():
    client = _Client((b"IMAP4REV1", b"NAMESPACE", b"SPECIAL-USE"), [((), b"/", "INBOX"), ((), b"/", "Été")],
                     [], namespace=(("", "/"),))
    listing = F.list_folders(client)
    assert (listing.delimiter, listing.prefix, listing.special_use_capability) == ("/", "", True)
    assert listing.names() == ["INBOX", "Été"]


class _LazySpecialUseClient(_Client):
    """A server that gives RFC 6154 flags only with LIST ... RETURN (SPECIAL-USE)."""

    def __init__(self):
        super().__init__((b"IMAP4REV1", b"SPECIAL-USE"), [((), b"/", "INBOX"), ((), b"/", "Envoyés")], [])
        self.sent = []
        outer = self

        class Imap:
            def _simple_command(self, *args):
                outer.sent.append(args)
                return "OK", [b""]

            def _untagged_response(self, typ, data, name):
                return typ, [b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren \\Sent) "/" "Envoy&AOk-s"']

        self._imap = Imap()

    def _checkok(self, command, typ, data):
        assert typ == "OK"

    def _proc_folder_list(self, data):
        import imapclient
        return imapclient.IMAPClient._proc_folder_list(self, data)


def test_list_folders_asks_for_special_use_when_plain_list_has_none():
    client = _LazySpecialUseClient()
    listing = F.list_folders(client)
    assert client.sent == [("LIST", '""', '"*" RETURN (SPECIAL-USE)')]
    assert listing.get("Envoyés").special_use == "\\Sent"
    assert listing.special_use_map() == {"\\Sent": "Envoyés"}


def test_list_folders_no_extra_command_when_flags_present():
    client = _LazySpecialUseClient()
    client._listing = [((b"\\Sent",), b"/", "Envoyés"), ((), b"/", "INBOX")]
    F.list_folders(client)
    assert client.sent == []


def test_a_noselect_parent_is_not_an_existing_folder():
    # issue 11 (found by the server matrix): Cyrus's real, empty INBOX.Archives went to a Dovecot
    # "Archives" listed only as the \Noselect parent of Archives/2019: it was taken as existing, never
    # CREATEd, and the run failed with "STATUS: Mailbox doesn't exist: Archives".
    listing = L(["INBOX", "Archives", "Archives/2019"], delimiter="/", noselect=["Archives"])
    assert "Archives/2019" in listing and "INBOX" in listing
    assert "Archives" not in listing and listing.get("Archives") is not None
    plan = F.plan(L(["INBOX", "Archives"], delimiter="/", noselect=["Archives"]), dovecot(),
                  folder_map={"Archives": "Old"})
    assert not any("has no folder" in w for w in plan.warnings)


# --- regextrans2 (imapsync's --regextrans2) -----------------------------------------------------------------

def rules(*pairs):
    return [{"regex": regex, "replace": replace} for regex, replace in pairs]


@pytest.mark.parametrize("name, pairs, expected", [
    ("Work/2019", [("/", "_")], "Work_2019"),                                  # every match (Perl's s///g)
    ("Work/2019", [("^Work", "Archive")], "Archive/2019"),
    ("Old Stuff", [("^(\\w+) (\\w+)$", "\\2-\\1")], "Stuff-Old"),                 # \1, not $1
    ("Old Stuff", [("^(?P<a>\\w+) ", "\\g<a>/")], "Old/Stuff"),                 # a new level
    ("Spam", [("(?i)^spam$", "Junk")], "Junk"),                                  # Perl's /i as (?i)
    ("a.b", [("\\.", "/"), ("/", "+")], "a+b"),                                 # in order, each on the last
    ("Sent", [("^Drafts$", "Entwürfe")], "Sent"),                               # no match: unchanged
])
def test_apply_regextrans2(name, pairs, expected):
    assert F.apply_regextrans2(name, F.compile_regextrans2(rules(*pairs))) == expected


@pytest.mark.parametrize("pairs, words", [
    ([("(unclosed", "x")], "regextrans2[0]: '(unclosed' is not a valid regular expression"),
    ([("ok", "x"), ("[", "y")], "regextrans2[1]: '[' is not a valid regular expression"),
    ([("(a)", "$1")], "holds the Perl group reference '$1'; write \\1 or \\g<1>"),
    ([("(a)", "${1}x")], "Perl group reference '${'"),
    ([("(a)", "\\2")], "the replace '\\\\2' does not fit the regex '(a)'"),
    ([("(?P<x>a)", "\\g<y>")], "does not fit the regex"),
    ([("a", "\\d")], "does not fit the regex"),
])
def test_bad_regextrans2_is_refused_naming_the_rule(pairs, words):
    problems = F.regextrans2_problems(rules(*pairs))
    assert len(problems) == 1 and words in problems[0], problems
    with pytest.raises(F.FolderPlanError):
        F.plan(dovecot(["Work"]), dovecot(), regextrans2=rules(*pairs))


def test_regextrans2_not_a_rule():
    assert "regextrans2[0] must be a dict with a regex and a replace" in F.regextrans2_problems(["s/a/b/"])[0]
    assert F.regextrans2_problems(None) == [] and F.regextrans2_problems(rules(("a", "\\g<0>\\g<0>"))) == []


@pytest.mark.parametrize("source, destination, options, expected", [
    # after the separator and prefix inversion: the destination's separator and prefix are in the name
    (dovecot(["Work/2019"]), courier(), {"regextrans2": rules(("\\.", "_"))},
     {"INBOX": "INBOX", "Work/2019": "INBOX_Work_2019"}),
    (dovecot(["Work/2019"]), courier(), {"regextrans2": rules(("^INBOX\\.Work\\.", "INBOX.Archive."))},
     {"INBOX": "INBOX", "Work/2019": "INBOX.Archive.2019"}),
    # after subfolder (imapsync's --subfolder2 is three regextrans2 put before the user's)
    (dovecot(["Work"]), dovecot(), {"subfolder": "Old", "regextrans2": rules(("^Old/", "Older/"))},
     {"INBOX": "Older/INBOX", "Work": "Older/Work"}),
    # folder_map and automap targets are left alone, as imapsync returns them before its regextrans2
    (dovecot(["Work", "Sent Items"]), dovecot(["Sent"], special={"Sent": "\\Sent"}),
     {"folder_map": {"Work": "Work"}, "automap": True, "regextrans2": rules(("^(.*)$", "Old/\\1"))},
     {"INBOX": "Old/INBOX", "Work": "Work", "Sent Items": "Sent"}),
    # the result is a name: INBOX in any case is INBOX
    (dovecot(["Posteingang"]), dovecot(), {"regextrans2": rules(("^Posteingang$", "inbox"), ("^INBOX$", "Alt"))},
     {"INBOX": "Alt", "Posteingang": "INBOX"}),
])
def test_regextrans2_in_the_plan(source, destination, options, expected):
    assert dict(F.plan(source, destination, **options).pairs) == expected


def test_regextrans2_reports_what_it_changed():
    plan = F.plan(dovecot(["Work", "Keep"]), dovecot(), regextrans2=rules(("^Work$", "Job")))
    assert plan.rewritten == [{"source": "Work", "before": "Work", "destination": "Job"}]
    assert plan.as_dict()["rewritten"] == plan.rewritten


@pytest.mark.parametrize("pairs, words", [
    ([("^.*$", "")], "into '', which is not a folder name"),
    ([("^Work$", "Work//x")], "into 'Work//x', which is not a folder name"),
])
def test_regextrans2_giving_no_folder_name_is_refused(pairs, words):
    with pytest.raises(F.FolderPlanError, match="regextrans2 turned") as err:
        F.plan(dovecot(["Work"]), dovecot(), regextrans2=rules(*pairs))
    assert words in str(err.value)


def test_regextrans2_merging_two_folders_is_refused():
    with pytest.raises(F.FolderPlanError, match="would both go to the destination folder 'Archive'"):
        F.plan(dovecot(["A2019", "A2020"]), dovecot(), regextrans2=rules(("^A\\d+$", "Archive")))


def test_automap_role_targets_send_a_role_to_another_roles_folder():
    # Gmail's All Mail (\All) holds, once the labels are copied, only archived mail: it goes to the Archive
    src = dovecot(["[Gmail]/All Mail"], special={"[Gmail]/All Mail": "\\All"})
    dst = dovecot(["Archiv"], special={"Archiv": "\\Archive"})
    plan = F.plan(src, dst, automap=True, strip_prefixes=["[Gmail]/"], role_targets={"\\All": "\\Archive"})
    assert dict(plan.pairs)["[Gmail]/All Mail"] == "Archiv"
    assert plan.automapped == [{"source": "[Gmail]/All Mail", "destination": "Archiv", "role": "\\All"}]
    # no such folder on the destination: the standard name of the target role
    plan = F.plan(src, dovecot(), automap=True, strip_prefixes=["[Gmail]/"], role_targets={"\\All": "\\Archive"})
    assert dict(plan.pairs)["[Gmail]/All Mail"] == "Archive"
    # without role_targets, as before
    assert dict(F.plan(src, dovecot(), automap=True, strip_prefixes=["[Gmail]/"]).pairs)["[Gmail]/All Mail"] == "All Mail"
