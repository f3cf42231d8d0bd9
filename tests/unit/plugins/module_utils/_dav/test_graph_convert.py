# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
# Contact shape: Microsoft Graph v1.0 "contact resource type" reference page.
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.graph_convert import contact_to_vcard

FULL = {"id": "AAMkAGI2TG93AAA=", "changeKey": "EQAAABYAAAD", "givenName": "Pavel", "surname": "Bansky",
        "displayName": "Pavel Bansky", "emailAddresses": [{"name": "Pavel", "address": "pavelb@contoso.com"}],
        "businessPhones": ["+1 732 555 0102"], "homePhones": [], "mobilePhone": "+1 732 555 0199",
        "companyName": "Contoso; Ltd", "jobTitle": "Lead", "birthday": "1974-07-22T00:00:00Z",
        "homeAddress": {}, "businessAddress": {"street": "1 Main St", "city": "Redmond", "state": "WA",
                                               "postalCode": "98052", "countryOrRegion": "USA"},
        "personalNotes": "line1\nline2", "nickName": "Pav"}


def test_contact_rows():
    text, unconverted = contact_to_vcard(FULL)
    lines = text.split("\r\n")
    assert lines[:5] == ["BEGIN:VCARD", "VERSION:4.0", "UID:AAMkAGI2TG93AAA=", "FN:Pavel Bansky", "N:Bansky;Pavel;;;"]
    assert "EMAIL:pavelb@contoso.com" in lines
    assert "TEL;TYPE=work,voice:+1 732 555 0102" in lines
    assert "TEL;TYPE=cell:+1 732 555 0199" in lines
    assert "ORG:Contoso\\; Ltd" in lines
    assert "TITLE:Lead" in lines
    assert "BDAY:19740722" in lines
    assert "ADR;TYPE=work:;;1 Main St;Redmond;WA;98052;USA" in lines
    assert not any(line.startswith("ADR;TYPE=home") for line in lines)
    assert "NOTE:line1\\nline2" in lines
    assert lines[-2:] == ["END:VCARD", ""]
    assert unconverted == ["nickName"]


def test_contact_minimal_fn_from_names():
    text, unconverted = contact_to_vcard({"id": "x1", "givenName": "Ann", "surname": "Lee"})
    assert "FN:Ann Lee" in text.split("\r\n")
    assert unconverted == []


def test_iana_zone_rows():
    from ansible_collections.mailwave.migrate.plugins.module_utils._dav.graph_convert import iana_zone
    assert iana_zone("Pacific Standard Time") == ("America/Los_Angeles", True)
    assert iana_zone("W. Europe Standard Time") == ("Europe/Berlin", True)
    assert iana_zone("Europe/Paris") == ("Europe/Paris", True)
    assert iana_zone("Nowhere Standard Time") == ("UTC", False)
