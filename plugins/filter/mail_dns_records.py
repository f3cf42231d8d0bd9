# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The mail_dns_records filter: the DNS RRsets a Mailcow mail domain needs (docs: mail_dns_records.yml)."""

from __future__ import annotations

import base64
import binascii
import re

from ansible.errors import AnsibleFilterError

# Mailcow's DNS check and its documentation (prerequisite-dns): service, port. Priority 0, weight 1.
SRV_SERVICES = (
    ("autodiscover", 443),
    ("caldavs", 443),
    ("carddavs", 443),
    ("imap", 143),
    ("imaps", 993),
    ("pop3", 110),
    ("pop3s", 995),
    ("sieve", 4190),
    ("smtps", 465),
    ("submission", 587),
    ("submissions", 465),
)
DAV_PATH = "path=/SOGo/dav/"
DMARC_POLICIES = ("none", "quarantine", "reject")
DEFAULT_SPF = "v=spf1 mx a -all"

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")


def _fail(msg):
    raise AnsibleFilterError("mail_dns_records: " + msg)


def _hostname(value, what):
    if not isinstance(value, str) or not value.strip():
        _fail("%s must be a host name such as mail.example.net, not %r" % (what, value))
    name = value.strip().rstrip(".").lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        _fail("%s %r is not a valid fully qualified host name (letters, digits, '-', at least two labels)"
              % (what, value))
    return name


def _int(value, what, low, high):
    if isinstance(value, bool):
        _fail("%s must be an integer, not a boolean" % what)
    try:
        number = int(value)
    except (TypeError, ValueError):
        _fail("%s must be an integer, not %r" % (what, value))
    if number != float(value) or not low <= number <= high:
        _fail("%s must be between %d and %d, not %r" % (what, low, high, value))
    return number


def _strings(value, what):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    _fail("%s must be a string or a list of strings, not %r" % (what, value))


def _txt_join(value):
    """A TXT value in zone-file syntax ("a" "b") -> the joined logical string; plain text unchanged."""
    text = value.strip()
    if not text.startswith('"'):
        return text
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    return "".join(re.sub(r"\\(.)", r"\1", part) for part in parts)


def _is_spf(value):
    return _txt_join(value).lower().startswith("v=spf1")


def _spf(spf, includes, existing, keep_includes):
    if not isinstance(spf, str) or not spf.strip().lower().startswith("v=spf1"):
        _fail("spf must be an SPF record starting with 'v=spf1', not %r" % (spf,))
    terms = spf.split()
    wanted = []
    if keep_includes:
        for value in existing:
            if _is_spf(value):
                wanted += [t[len("include:"):] for t in _txt_join(value).split()[1:]
                           if t.lower().startswith("include:")]
    wanted += [_hostname(i, "spf_include entry") for i in includes]
    have = set(t[len("include:"):].lower() for t in terms if t.lower().startswith("include:"))
    extra = []
    for domain in wanted:
        if domain.lower() not in have:
            have.add(domain.lower())
            extra.append("include:" + domain)
    if extra:
        # Before the final all/redirect term, so that the includes are evaluated.
        at = len(terms)
        for i, term in enumerate(terms):
            if re.match(r"^[-~?+]?all$", term, re.I) or term.lower().startswith("redirect="):
                at = i
                break
        terms = terms[:at] + extra + terms[at:]
    return " ".join(terms)


def _dkim_value(dkim, selector, public_key):
    if dkim:
        if not isinstance(dkim, dict):
            _fail("dkim must be a dict: the dkim result of mailwave.migrate.mailcow_dkim (selector, txt_value) or "
                  "Mailcow's GET /api/v1/get/dkim/<domain> answer (dkim_selector, dkim_txt), not %r"
                  % (type(dkim).__name__,))
        selector = dkim.get("dkim_selector") or dkim.get("selector") or selector
        key = dkim.get("dkim_txt") or dkim.get("txt_value") or dkim.get("pubkey") or dkim.get("public_key")
        if not key and not public_key:
            if "txt_value" in dkim or "public_key" in dkim:
                # mailcow_dkim in check mode: the key does not exist yet, so there is no record to compute.
                return None, None
            _fail("dkim has no key (dkim_txt, txt_value, pubkey or public_key); fetch it with "
                  "mailwave.migrate.mailcow_dkim first")
        public_key = key or public_key
    if not public_key:
        return None, None
    if not isinstance(selector, str) or not all(_LABEL.match(lab) for lab in selector.lower().split(".")):
        _fail("dkim_selector %r is not a valid DNS label" % (selector,))
    text = _txt_join(str(public_key))
    if not text.lower().startswith("v=dkim1"):
        key = re.sub(r"\s+", "", text)
        text = "v=DKIM1;k=rsa;t=s;s=email;p=" + key
    match = re.search(r"(?:^|;)\s*p=([^;]*)", text)
    key = re.sub(r"\s+", "", match.group(1)) if match else ""
    try:
        if not key or len(base64.b64decode(key, validate=True)) < 64:
            raise ValueError("too short")
    except (ValueError, binascii.Error):
        _fail("the DKIM public key (p=) is missing or not valid base64 of a public key; give Mailcow's dkim_txt "
              "or the base64 key")
    return selector.lower(), text


def _dmarc(dmarc, policy, rua):
    if dmarc:
        if not isinstance(dmarc, str) or not dmarc.strip().startswith("v=DMARC1"):
            _fail("dmarc must be a DMARC record starting with 'v=DMARC1', not %r" % (dmarc,))
        if policy or rua:
            _fail("give either dmarc (the whole record) or dmarc_policy/dmarc_rua, not both")
        return dmarc.strip()
    if not policy:
        if rua:
            _fail("dmarc_rua needs dmarc_policy (none, quarantine or reject)")
        return None
    if policy not in DMARC_POLICIES:
        _fail("dmarc_policy must be one of %s, not %r" % (", ".join(DMARC_POLICIES), policy))
    value = "v=DMARC1; p=%s" % policy
    uris = []
    for addr in _strings(rua, "dmarc_rua"):
        addr = addr.strip()
        bare = addr[len("mailto:"):] if addr.lower().startswith("mailto:") else addr
        if not _EMAIL.match(bare):
            _fail("dmarc_rua entry %r is not an e-mail address" % (addr,))
        uris.append("mailto:" + bare)
    if uris:
        value += "; rua=" + ",".join(uris)
    return value


def _tlsa_values(tlsa):
    out = []
    for value in _strings(tlsa, "tlsa"):
        parts = value.split()
        if len(parts) < 4 or not all(p.isdigit() for p in parts[:3]) or not _HEX.match("".join(parts[3:])):
            _fail("tlsa value %r must be '<usage> <selector> <matching type> <hex data>', e.g. '3 1 1 <sha256>'"
                  % (value,))
        usage, selector, mtype = (int(p) for p in parts[:3])
        data = "".join(parts[3:]).lower()
        if usage > 3 or selector > 1 or mtype > 2:
            _fail("tlsa value %r: usage 0-3, selector 0-1, matching type 0-2" % (value,))
        if (mtype == 1 and len(data) != 64) or (mtype == 2 and len(data) != 128):
            _fail("tlsa value %r: matching type %d needs a %d-digit hex digest" % (value, mtype, 64 * mtype))
        out.append("%d %d %d %s" % (usage, selector, mtype, data))
    return out


def mail_dns_records(domain, mailcow_host=None, dkim=None, dkim_selector="dkim", dkim_public_key=None,
                     spf=DEFAULT_SPF, spf_include=None, existing_txt=None, spf_keep_includes=True,
                     dmarc=None, dmarc_policy=None, dmarc_rua=None, mx_priority=10, autodiscover=True,
                     srv=True, srv_ports=None, srv_not_provided=None, dav_txt=True, mta_sts_id=None,
                     tlsrpt_rua=None, tlsa=None, ttl=3600, zone=None):
    """The RRsets a Mailcow mail domain needs, as dns_record_sets takes them."""
    dom = _hostname(domain, "the domain (filter input)")
    host = _hostname(mailcow_host, "mailcow_host")
    ttl = _int(ttl, "ttl", 0, 2147483647)
    prio = _int(mx_priority, "mx_priority", 0, 65535)
    origin = None
    if zone:
        origin = _hostname(zone, "zone")
        if dom != origin and not dom.endswith("." + origin):
            _fail("the domain %s is not inside zone %s" % (dom, origin))

    def owner(prefix, base=dom):
        name = "%s.%s" % (prefix, base) if prefix else base
        if origin is None:
            return name + "."
        if name == origin:
            return "@"
        if not name.endswith("." + origin):
            _fail("%s is not inside zone %s: give its record without zone, or leave it out" % (name, origin))
        return name[:-len(origin) - 1]

    def rrset(name, rtype, values):
        return {"record": name, "type": rtype, "ttl": ttl, "value": list(values)}

    out = [rrset(owner(None), "MX", ["%d %s." % (prio, host)])]

    existing = _strings(existing_txt, "existing_txt")
    apex_txt = [v for v in existing if not _is_spf(v)]
    if spf:
        apex_txt.append(_spf(spf, _strings(spf_include, "spf_include"), existing, spf_keep_includes))
    elif spf_include:
        _fail("spf_include needs spf")
    if apex_txt:
        out.append(rrset(owner(None), "TXT", apex_txt))

    selector, dkim_text = _dkim_value(dkim, dkim_selector, dkim_public_key)
    if dkim_text:
        out.append(rrset(owner(selector + "._domainkey"), "TXT", [dkim_text]))

    dmarc_value = _dmarc(dmarc, dmarc_policy, dmarc_rua)
    if dmarc_value:
        out.append(rrset(owner("_dmarc"), "TXT", [dmarc_value]))

    if autodiscover:
        out.append(rrset(owner("autodiscover"), "CNAME", [host + "."]))
        out.append(rrset(owner("autoconfig"), "CNAME", [host + "."]))

    if srv:
        known = [name for name, _port in SRV_SERVICES]
        if srv is True:
            services = known
        else:
            services = _strings(srv, "srv")
            unknown = sorted(set(services) - set(known))
            if unknown:
                _fail("srv: unknown service(s) %s; known: %s" % (", ".join(unknown), ", ".join(known)))
        ports = dict(SRV_SERVICES)
        overrides = srv_ports or {}
        if not isinstance(overrides, dict):
            _fail("srv_ports must be a dict of service: port")
        for name, port in overrides.items():
            if name not in ports:
                _fail("srv_ports: unknown service %r; known: %s" % (name, ", ".join(known)))
            ports[name] = _int(port, "srv_ports.%s" % name, 1, 65535)
        absent = _strings(srv_not_provided, "srv_not_provided")
        for name in absent:
            if name not in ports:
                _fail("srv_not_provided: unknown service %r; known: %s" % (name, ", ".join(known)))
        for name in known:
            if name not in services and name not in absent:
                continue
            value = "0 0 0 ." if name in absent else "0 1 %d %s." % (ports[name], host)
            out.append(rrset(owner("_%s._tcp" % name), "SRV", [value]))
            if dav_txt and name in ("caldavs", "carddavs") and name not in absent:
                out.append(rrset(owner("_%s._tcp" % name), "TXT", [DAV_PATH]))

    if mta_sts_id:
        if not re.match(r"^[A-Za-z0-9]{1,32}$", str(mta_sts_id)):
            _fail("mta_sts_id must be 1 to 32 letters or digits (RFC 8461), not %r" % (mta_sts_id,))
        out.append(rrset(owner("mta-sts"), "CNAME", [host + "."]))
        out.append(rrset(owner("_mta-sts"), "TXT", ["v=STSv1; id=%s" % mta_sts_id]))
    if tlsrpt_rua:
        uris = []
        for addr in _strings(tlsrpt_rua, "tlsrpt_rua"):
            bare = addr[len("mailto:"):] if addr.lower().startswith("mailto:") else addr
            if not _EMAIL.match(bare):
                _fail("tlsrpt_rua entry %r is not an e-mail address" % (addr,))
            uris.append("mailto:" + bare)
        out.append(rrset(owner("_smtp._tls"), "TXT", ["v=TLSRPTv1; rua=" + ",".join(uris)]))

    tlsa_values = _tlsa_values(tlsa)
    if tlsa_values:
        out.append(rrset(owner("_25._tcp", base=host), "TLSA", tlsa_values))
    return out


class FilterModule(object):

    def filters(self):
        return {"mail_dns_records": mail_dns_records}
