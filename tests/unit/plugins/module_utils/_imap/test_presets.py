"""Provider presets: values from the provider guide / vendors, only unset values filled, unknown names."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import presets as P


@pytest.mark.parametrize("provider, host, port, security", [
    ("ovh", "ssl0.ovh.net", 143, "starttls"),
    ("gandi", "mail.gandi.net", 993, "tls"),
    ("gmail", "imap.gmail.com", 993, "tls"),
    ("office365", "outlook.office365.com", 993, "tls"),
    ("Google", "imap.gmail.com", 993, "tls"),
    ("microsoft-365", None, None, None),
])
def test_connection_values(provider, host, port, security):
    if host is None:
        with pytest.raises(ValueError):
            P.apply_preset({"provider": provider})
        return
    result = P.apply_preset({"provider": provider, "user": "u@example.org", "host": None, "port": None})
    assert (result["host"], result["port"], result["security"]) == (host, port, security)
    assert result["user"] == "u@example.org"


def test_user_values_win_and_input_untouched():
    endpoint = {"provider": "ovh", "host": "imap.example.org", "port": 993, "security": "tls", "user": "u"}
    result = P.apply_preset(endpoint)
    assert (result["host"], result["port"], result["security"]) == ("imap.example.org", 993, "tls")
    assert endpoint == {"provider": "ovh", "host": "imap.example.org", "port": 993, "security": "tls", "user": "u"}


def test_other_security_without_port_gets_its_generic_port():
    assert P.apply_preset({"provider": "ovh", "security": "tls"})["port"] == 993
    assert P.apply_preset({"provider": "gandi", "security": "starttls"})["port"] == 143


def test_gmail_limits_and_folders():
    g = P.apply_preset({"provider": "gmail"})
    assert g["download_bytes_per_day"] == 2500 * 1000 * 1000
    assert g["upload_bytes_per_day"] == 500 * 1000 * 1000
    assert g["max_connections"] == 15
    # All Mail is copied last (archived mail), Important and Starred hold copies (a star is the \Flagged flag)
    assert g["last_special_use"] == ["\\All"] and g["automap_targets"] == {"\\All": "\\Archive"}
    assert set(g["exclude_special_use"]) == {"\\Important", "\\Flagged"}
    assert not any("All Mail" in rx for rx in g["folders_exclude"])


def test_office365_values():
    o = P.apply_preset({"provider": "office365"})
    assert o["folders_exclude"] == [r"^Files$"]
    assert o["max_message_size"] == 45 * 1000 * 1000


def test_no_provider_returns_copy_unchanged():
    endpoint = {"host": "h", "provider": None}
    result = P.apply_preset(endpoint)
    assert result == endpoint and result is not endpoint


def test_unknown_provider_lists_known_ones():
    with pytest.raises(ValueError) as err:
        P.apply_preset({"provider": "laposte"})
    for name in ("ovh", "gandi", "gmail", "office365", "generic"):
        assert name in str(err.value)


def test_presets_are_not_shared_state():
    first = P.apply_preset({"provider": "gmail"})
    first["folders_exclude"].append("x")
    assert "x" not in P.apply_preset({"provider": "gmail"})["folders_exclude"]


def test_every_preset_has_notes_and_valid_security():
    for name, preset in P.PRESETS.items():
        assert preset.get("notes"), name
        assert preset.get("security") in ("tls", "starttls", "plain"), name


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_gmail_preset_drives_the_folder_plan(lang):
    """The Gmail preset's folder settings, fed to folders.plan() as imap_sync does, on a realistic listing."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders as F

    names = {"en": ["[Gmail]/All Mail", "[Gmail]/Important", "[Gmail]/Sent Mail", "[Gmail]/Drafts", "[Gmail]/Spam",
                    "[Gmail]/Trash", "[Gmail]/Starred"],
             "fr": ["[Gmail]/Tous les messages", "[Gmail]/Important", "[Gmail]/Messages envoyés",
                    "[Gmail]/Brouillons", "[Gmail]/Spam", "[Gmail]/Corbeille", "[Gmail]/Suivis"]}[lang]
    flags = ["\\All", "\\Important", "\\Sent", "\\Drafts", "\\Junk", "\\Trash", "\\Flagged"]
    src = F.FolderListing.from_names(["INBOX", "[Gmail]", "Clients", "Clients/ACME"] + names, delimiter="/",
                                     noselect=["[Gmail]"], special=dict(zip(names, flags)))
    dst = F.FolderListing.from_names(["INBOX", "Sent", "Drafts", "Junk", "Trash", "Archive"], delimiter="/",
                                     special={"Sent": "\\Sent", "Drafts": "\\Drafts", "Junk": "\\Junk",
                                              "Trash": "\\Trash", "Archive": "\\Archive"})
    g = P.apply_preset({"provider": "gmail"})
    plan = F.plan(src, dst, exclude=g["folders_exclude"], automap=g["automap"],
                  exclude_special_use=g["exclude_special_use"], strip_prefixes=g["strip_prefixes"],
                  role_targets=g["automap_targets"])
    pairs = dict(plan.pairs)
    assert set(plan.excluded) == {names[1], names[6]}   # Important and Starred: copies of other folders
    assert pairs[names[0]] == "Archive"                  # All Mail: what no label holds, the archived mail
    assert pairs[names[2]] == "Sent" and pairs[names[3]] == "Drafts"
    assert pairs[names[4]] == "Junk" and pairs[names[5]] == "Trash"
    assert pairs["Clients/ACME"] == "Clients/ACME" and pairs["INBOX"] == "INBOX"
