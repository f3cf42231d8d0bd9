"""registry.py: provider loading, options, and the contract every provider module must keep."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import registry
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError, DNSProvider
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.propagation import parse_hostport


@pytest.mark.parametrize("name", registry.PROVIDERS)
def test_every_provider_keeps_the_contract(name):
    module = registry.load_provider_module(name)
    assert issubclass(module.Provider, DNSProvider)
    assert module.Provider.NAME == name
    spec = module.ARGUMENT_SPEC
    # Its options are common options (so that the modules and doc fragment document them).
    assert set(spec) <= set(registry.COMMON_ARGUMENT_SPEC), set(spec) - set(registry.COMMON_ARGUMENT_SPEC)
    for opt, desc in spec.items():
        common = registry.COMMON_ARGUMENT_SPEC[opt]
        assert desc.get("type", "str") == common.get("type", "str")
        assert bool(desc.get("no_log")) == bool(common.get("no_log")), opt


def test_secrets_have_no_log_and_env_fallback():
    for opt in ("key_secret", "api_key", "application_key", "application_secret", "consumer_key", "api_token"):
        desc = registry.COMMON_ARGUMENT_SPEC[opt]
        assert desc["no_log"] is True and desc["fallback"][1], opt


def test_unknown_provider_and_missing_options():
    with pytest.raises(DNSError, match="unknown DNS provider"):
        registry.load_provider_module("route53")
    params = dict((k, v.get("default")) for k, v in registry.COMMON_ARGUMENT_SPEC.items())
    params.update(provider="powerdns", zone="example.test")
    with pytest.raises(DNSError, match="needs the option.*api_key"):
        registry.create_provider(params)
    params["api_key"] = "k"
    with pytest.raises(DNSError, match="needs api_url"):
        registry.create_provider(params)
    params.update(provider="rfc2136")
    with pytest.raises(DNSError, match="needs the option.*server"):
        registry.create_provider(params)


def test_common_spec_copy_is_independent():
    spec = registry.common_argument_spec(extra=dict(type="int"))
    spec["zone"]["required"] = False
    assert registry.COMMON_ARGUMENT_SPEC["zone"]["required"] is True and "extra" in spec


@pytest.mark.parametrize("text,expected", [("192.0.2.1", ("192.0.2.1", 53)), ("192.0.2.1:5300", ("192.0.2.1", 5300)),
                                           ("[2001:db8::1]:54", ("2001:db8::1", 54)), ("2001:db8::1", ("2001:db8::1", 53)),
                                           ("ns1.example.org", ("ns1.example.org", 53))])
def test_parse_hostport(text, expected):
    assert parse_hostport(text, 53) == expected
