"""Generated passwords: strong, stored 0600, reused on the next run."""
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._wave import credentials as c


def test_generated_passwords_are_strong_and_distinct():
    seen = {c.generate_password() for dummy in range(200)}
    assert len(seen) == 200
    for pw in seen:
        assert len(pw) == 24
        assert any(x.islower() for x in pw) and any(x.isupper() for x in pw) and any(x.isdigit() for x in pw)
        assert not set(pw) & set("'\"\\ lIO0")


def test_plan_keeps_existing_and_store_is_private(tmp_path):
    path = tmp_path / "w" / "creds.json"
    creds, created, renewed = c.plan({}, ["a@x.test", "b@x.test"])
    assert created == ["a@x.test", "b@x.test"] and renewed == []
    c.store(str(path), creds)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    again, created2, dummy = c.plan(c.load(str(path)), ["a@x.test", "b@x.test"])
    assert created2 == [] and again == creds
    renewed_map, dummy, renewed = c.plan(again, ["a@x.test"], regenerate={"a@x.test"})
    assert renewed == ["a@x.test"] and renewed_map["a@x.test"] != creds["a@x.test"]


@pytest.mark.parametrize("text,needle", [("$ANSIBLE_VAULT;1.1;AES256\n123", "no vault secret"),
                                         ("{not json", "not valid JSON"), ('{"mailwave_credentials": []}', "mapping")])
def test_unusable_files_give_clear_errors(tmp_path, text, needle):
    path = tmp_path / "creds.json"
    path.write_text(text)
    with pytest.raises(c.CredentialsError, match=needle):
        c.load(str(path))


def test_vault_file_is_read_and_kept_encrypted_with_the_plays_secret(tmp_path):
    """After the guide's "encrypt them" step, provision runs again (defect: load() refused a Vault file)."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault = VaultLib([("default", VaultSecret(b"wave-secret"))])
    path = tmp_path / "creds.json"
    creds, dummy, dummy2 = c.plan({}, ["a@x.test"])
    c.store(str(path), creds)
    path.write_bytes(vault.encrypt(path.read_bytes()))

    def decrypt(text):
        return vault.decrypt(text.encode()).decode()

    assert c.load(str(path), decrypt) == creds
    with pytest.raises(c.CredentialsError, match="no vault secret"):
        c.load(str(path))
    more, created, dummy = c.plan(c.load(str(path), decrypt), ["a@x.test", "b@x.test"])
    assert created == ["b@x.test"] and more["a@x.test"] == creds["a@x.test"]
    c.store(str(path), more, lambda text: vault.encrypt(text.encode()).decode())
    assert path.read_text().startswith("$ANSIBLE_VAULT")
    assert c.load(str(path), decrypt) == more
    wrong = VaultLib([("default", VaultSecret(b"other"))])
    with pytest.raises(c.CredentialsError, match="cannot be decrypted"):
        c.load(str(path), lambda text: wrong.decrypt(text.encode()).decode())
