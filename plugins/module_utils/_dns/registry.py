# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Which providers exist, the options every DNS module shares, and how a provider is built.

A provider ``<name>`` lives in ``_dns/<name>.py`` with ``class Provider`` and ``ARGUMENT_SPEC``
(see provider.py). The provider files are imported here with plain import statements, because
Ansible's packager (AnsiballZ) ships only the module_utils that import statements reach; an import
that fails (a missing library) is remembered and reported only when that provider is used. Adding a
provider means adding its file, its import below, its name to PROVIDERS, and its options to
COMMON_ARGUMENT_SPEC and to doc_fragments/_dns.py.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError

_LOADED = {}
_IMPORT_ERRORS = {}

try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import rfc2136 as _rfc2136
    _LOADED["rfc2136"] = _rfc2136
except ImportError as _exc:  # pragma: no cover - reported when used
    _IMPORT_ERRORS["rfc2136"] = _exc
try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import powerdns as _powerdns
    _LOADED["powerdns"] = _powerdns
except ImportError as _exc:  # pragma: no cover
    _IMPORT_ERRORS["powerdns"] = _exc
try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import ovh as _ovh
    _LOADED["ovh"] = _ovh
except ImportError as _exc:  # pragma: no cover
    _IMPORT_ERRORS["ovh"] = _exc
try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import gandi as _gandi
    _LOADED["gandi"] = _gandi
except ImportError as _exc:  # pragma: no cover
    _IMPORT_ERRORS["gandi"] = _exc
try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import cloudflare as _cloudflare
    _LOADED["cloudflare"] = _cloudflare
except ImportError as _exc:  # pragma: no cover
    _IMPORT_ERRORS["cloudflare"] = _exc

try:
    # Imports dns-lexicon itself only when the provider is built (the library is optional).
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import lexicon as _lexicon
    _LOADED["lexicon"] = _lexicon
except ImportError as _exc:  # pragma: no cover
    _IMPORT_ERRORS["lexicon"] = _exc

PROVIDERS = ("rfc2136", "powerdns", "ovh", "gandi", "cloudflare", "lexicon")

TSIG_ALGORITHMS = ("hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512")

# Every DNS module takes these (documented in doc_fragments/_dns.py). Secrets: no_log and an
# environment variable, so that they need not appear in a playbook.
COMMON_ARGUMENT_SPEC = dict(
    provider=dict(type="str", required=True, choices=list(PROVIDERS)),
    zone=dict(type="str", required=True),
    # rfc2136
    server=dict(type="str"),
    port=dict(type="int", default=53),
    key_name=dict(type="str", no_log=False),
    key_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MAILWAVE_DNS_KEY_SECRET"])),
    key_algorithm=dict(type="str", default="hmac-sha256", choices=list(TSIG_ALGORITHMS), no_log=False),
    protocol=dict(type="str", default="tcp", choices=["tcp", "udp"]),
    # powerdns
    api_url=dict(type="str"),  # powerdns falls back to $PDNS_API_URL itself (not the other HTTP providers)
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["PDNS_API_KEY"])),
    server_id=dict(type="str", default="localhost"),
    # ovh
    endpoint=dict(type="str", fallback=(env_fallback, ["OVH_ENDPOINT"])),
    application_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_APPLICATION_KEY"])),
    application_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_APPLICATION_SECRET"])),
    consumer_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OVH_CONSUMER_KEY"])),
    # gandi, cloudflare
    api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["MAILWAVE_DNS_API_TOKEN"])),
    # HTTP providers
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
    max_retry_wait=dict(type="float", default=300.0),
    # lexicon (optional library dns-lexicon)
    lexicon_provider=dict(type="str"),
    lexicon_options=dict(type="dict", no_log=True),
)

COMMON_REQUIRED_TOGETHER = [["key_name", "key_secret"]]


def common_argument_spec(**extra):
    """A fresh copy of COMMON_ARGUMENT_SPEC updated with the module's own options."""
    spec = dict((k, dict(v)) for k, v in COMMON_ARGUMENT_SPEC.items())
    spec.update(extra)
    return spec


def load_provider_module(name):
    """Import _dns/<name>.py. Raises DNSError when unknown or not importable."""
    if name not in PROVIDERS:
        raise DNSError("unknown DNS provider %r; choose one of: %s" % (name, ", ".join(PROVIDERS)))
    if name not in _LOADED:
        raise DNSError("DNS provider %r cannot be loaded (%s); check that the collection is complete and "
                       "that the Python libraries of requirements.txt are installed"
                       % (name, _IMPORT_ERRORS.get(name, "not found")))
    return _LOADED[name]


def missing_options(name, params):
    """The required options of provider `name` that are not set in params."""
    module = load_provider_module(name)
    spec = getattr(module, "ARGUMENT_SPEC", {}) or {}
    return sorted(opt for opt, desc in spec.items() if desc.get("required") and params.get(opt) in (None, ""))


def create_provider(params):
    """Build the provider selected by params['provider'] for params['zone']. Raises DNSError."""
    name = params["provider"]
    module = load_provider_module(name)
    missing = missing_options(name, params)
    if missing:
        raise DNSError("provider %s needs the option(s) %s (or their environment variables, see the module "
                       "documentation)" % (name, ", ".join(missing)))
    return module.Provider(params["zone"], params)
