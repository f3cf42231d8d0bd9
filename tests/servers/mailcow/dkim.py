"""DKIM keys of the Mailcow API emulator: ``add/dkim``, ``delete/dkim``, ``get/dkim/<domain>``.

Shapes: ../shared/reference/mailcow-api.md §1.6; recorded in mailcow-transcripts/05_domain_edit.txt (add/dkim,
get/dkim); the key every new domain gets is the ``dkim_added`` entry of add/domain (01_domain.txt).
"""
from __future__ import annotations

import base64
import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import intval, is_valid_domain_name, split_list


def make_dkim_key(bits: int):
    """(public key base64 DER, private key PEM) for a fresh RSA key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    return base64.b64encode(pub).decode("ascii"), priv.decode("ascii")


def dkim_length(pubkey: str) -> str:
    size = len(pubkey)
    if size < 391:
        return "1024"
    if size < 564:
        return "2048"
    if size < 736:
        return "3072"
    if size < 1416:
        return "4096"
    return ">= 8192"


class DkimApi(StateBase):
    """The DKIM functions (functions.dkim.inc.php)."""

    # ---------------------------------------------------------------- DKIM
    def _dkim_create(self, domain, selector, bits, automatic=False):
        if automatic and self.dkim_bits_override:
            bits = self.dkim_bits_override  # tests: faster keys for the key every new domain gets
        pub, priv = make_dkim_key(bits if bits in (1024, 2048, 3072, 4096) else 2048)
        self.dkim[domain] = {"selector": selector, "pubkey": pub, "privkey": priv}

    def dkim_get(self, domain):
        key = self.dkim.get(domain)
        if key is None:
            return None
        return {"pubkey": key["pubkey"], "length": dkim_length(key["pubkey"]),
                "dkim_txt": "v=DKIM1;k=rsa;t=s;s=email;p=" + key["pubkey"], "dkim_selector": key["selector"],
                "privkey": ""}

    def add_dkim(self, data):
        result = []
        log = ["dkim", "add", data]
        selector = str(data.get("dkim_selector") or "dkim")
        key_size = intval(data.get("key_size", 2048))
        for domain in split_list(data.get("domains")):
            domain = domain.lower()
            if (not is_valid_domain_name(domain) or domain in self.dkim or domain not in self.domains
                    or not re.fullmatch(r"[A-Za-z0-9_.-]+", selector) or key_size not in (1024, 2048, 3072, 4096)):
                result.append(self._entry("danger", log, ["dkim_domain_or_sel_invalid", domain]))
                continue
            self._dkim_create(domain, selector, key_size)
            result.append(self._entry("success", log, ["dkim_added", domain]))
        return result

    def delete_dkim(self, items):
        result = []
        log = ["dkim", "delete", {"domains": items}]
        for item in items:
            if self.dkim.pop(str(item), None) is None:
                result.append(self._entry("danger", log, ["dkim_domain_or_sel_invalid", str(item)]))
            else:
                result.append(self._entry("success", log, ["dkim_removed", str(item)]))
        return result
