"""source_login: the one place that picks a box's source secret, row by row as the roles' Jinja did."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.wave_source import source_login

BOX = {"address": "anna@example.org", "source_user": "anna"}


@pytest.mark.parametrize("box, mailboxes, passwords, expected", [
    # the entry's token wins over every password
    (BOX, [{"address": "anna@example.org", "source_oauth2_token": "tok", "source_password": "p"}], {"anna@example.org": "q"},
     {"user": "anna", "oauth2_token": "tok"}),
    # an empty or null token is no token
    (BOX, [{"address": "anna@example.org", "source_oauth2_token": "", "source_password": "p"}], {},
     {"user": "anna", "password": "p"}),
    (BOX, [{"address": "anna@example.org", "source_oauth2_token": None, "source_password": "p"}], {},
     {"user": "anna", "password": "p"}),
    # mailwave_source_passwords before the entry's password, even when empty (Jinja's default() without true)
    (BOX, [{"address": "anna@example.org", "source_password": "p"}], {"anna@example.org": "q"},
     {"user": "anna", "password": "q"}),
    (BOX, [{"address": "anna@example.org", "source_password": "p"}], {"anna@example.org": ""},
     {"user": "anna", "password": ""}),
    # no entry (a box from the CSV file): the password from mailwave_source_passwords, else empty
    (BOX, [], {"anna@example.org": "q"}, {"user": "anna", "password": "q"}),
    (BOX, None, None, {"user": "anna", "password": ""}),
    # the first entry of that exact address; another box's token is not this box's
    (BOX, [{"address": "bob@example.org", "source_oauth2_token": "tok"},
           {"address": "anna@example.org", "source_password": "first"},
           {"address": "anna@example.org", "source_password": "second"}], {},
     {"user": "anna", "password": "first"}),
    # any case: inventory_check lower-cases the boxes it checks, not the inventory's entries and keys
    (BOX, [{"address": "Anna@Example.org ", "source_oauth2_token": "tok"}], {}, {"user": "anna", "oauth2_token": "tok"}),
    (BOX, [{"address": "Anna@example.org", "source_password": "p"}], {"ANNA@example.org": "q"},
     {"user": "anna", "password": "q"}),
    (BOX, [{"address": "Anna@example.org", "source_password": "p"}], {}, {"user": "anna", "password": "p"}),
    # the key in the box's own case first
    (BOX, [], {"Anna@example.org": "other", "anna@example.org": "q"}, {"user": "anna", "password": "q"}),
    # no source_user: the address
    ({"address": "anna@example.org"}, [], {}, {"user": "anna@example.org", "password": ""}),
    ({"address": "anna@example.org", "source_user": ""}, [], {}, {"user": "anna@example.org", "password": ""}),
])
def test_source_login(box, mailboxes, passwords, expected):
    assert source_login(box, mailboxes, passwords) == expected


@pytest.mark.parametrize("args, match", [
    (("anna@example.org", [], {}), "dict with an address"),
    (({"source_user": "anna"}, [], {}), "dict with an address"),
    ((BOX, {"anna@example.org": {}}, {}), "mailboxes must be a list"),
    ((BOX, [], ["q"]), "passwords must be a dict"),
])
def test_bad_input(args, match):
    with pytest.raises(AnsibleFilterError, match=match):
        source_login(*args)
