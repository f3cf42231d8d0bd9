# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # The provider and connection options every DNS module takes (registry.COMMON_ARGUMENT_SPEC).
    DOCUMENTATION = r"""
options:
  provider:
    description:
      - The DNS backend that holds the zone.
      - V(rfc2136) reads the zone by AXFR and writes with one TSIG-signed UPDATE (BIND, Knot, PowerDNS, Windows DNS...).
      - V(powerdns) uses the PowerDNS Authoritative HTTP API.
      - V(ovh), V(gandi) (LiveDNS) and V(cloudflare) use those providers' HTTP APIs.
      - V(lexicon) drives any DNS host that the optional Python library C(dns-lexicon) supports (O(lexicon_provider));
        it is record by record and not atomic (see docs/dns_providers.md), and needs C(pip install dns-lexicon).
    type: str
    required: true
    choices: [rfc2136, powerdns, ovh, gandi, cloudflare, lexicon]
  zone:
    description:
      - The zone (domain) to work on, for example V(example.org). A trailing dot is optional.
    type: str
    required: true
  server:
    description:
      - O(provider=rfc2136) only. Name or address of the primary DNS server that accepts AXFR and UPDATE.
    type: str
  port:
    description:
      - O(provider=rfc2136) only. DNS port of O(server).
    type: int
    default: 53
  key_name:
    description:
      - O(provider=rfc2136) only. Name of the TSIG key. Without O(key_name) and O(key_secret), requests are not signed.
    type: str
  key_secret:
    description:
      - O(provider=rfc2136) only. Base64 secret of the TSIG key.
      - Read from the environment variable E(MAILWAVE_DNS_KEY_SECRET) when not set.
    type: str
  key_algorithm:
    description:
      - O(provider=rfc2136) only. TSIG algorithm of the key.
    type: str
    default: hmac-sha256
    choices: [hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512]
  protocol:
    description:
      - O(provider=rfc2136) only. Transport of the UPDATE and SOA queries (AXFR always uses TCP).
    type: str
    default: tcp
    choices: [tcp, udp]
  api_url:
    description:
      - O(provider=powerdns) (required). Base URL of the PowerDNS webserver, for example
        V(https://pdns.example.org:8081). A trailing V(/api/v1) is accepted. Read from the environment variable
        E(PDNS_API_URL) when not set.
      - O(provider=gandi), O(provider=cloudflare), O(provider=ovh). Override of the API base URL (for a test or
        emulated API); default is the provider's public API.
    type: str
  api_key:
    description:
      - O(provider=powerdns) only. The PowerDNS API key (sent as C(X-API-Key)).
      - Read from the environment variable E(PDNS_API_KEY) when not set.
    type: str
  server_id:
    description:
      - O(provider=powerdns) only. The PowerDNS server id in the API path.
    type: str
    default: localhost
  endpoint:
    description:
      - O(provider=ovh) only. The OVH API endpoint, a name (V(ovh-eu), V(ovh-ca), V(ovh-us), V(kimsufi-eu),
        V(kimsufi-ca), V(soyoustart-eu), V(soyoustart-ca)) or an C(https://) base URL.
      - Read from the environment variable E(OVH_ENDPOINT) when not set; V(ovh-eu) when neither is set.
    type: str
  application_key:
    description:
      - O(provider=ovh) only. OVH application key.
      - Read from the environment variable E(OVH_APPLICATION_KEY) when not set.
    type: str
  application_secret:
    description:
      - O(provider=ovh) only. OVH application secret.
      - Read from the environment variable E(OVH_APPLICATION_SECRET) when not set.
    type: str
  consumer_key:
    description:
      - O(provider=ovh) only. OVH consumer key.
      - Read from the environment variable E(OVH_CONSUMER_KEY) when not set.
    type: str
  api_token:
    description:
      - O(provider=gandi) and O(provider=cloudflare). The API token (Gandi personal access token, Cloudflare API token
        with DNS edit rights), sent as a Bearer token.
      - Read from the environment variable E(MAILWAVE_DNS_API_TOKEN) when not set, then E(GANDI_API_TOKEN)
        (gandi) or E(CLOUDFLARE_API_TOKEN) (cloudflare).
    type: str
  validate_certs:
    description:
      - HTTP providers. Verify the TLS certificate of the API. Only set V(false) for a test server.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for one answer from the DNS server or the API.
    type: float
    default: 10.0
  lexicon_provider:
    description:
      - O(provider=lexicon) (required). The dns-lexicon provider name, for example V(powerdns), V(route53), V(hetzner),
        V(infomaniak).
    type: str
  lexicon_options:
    description:
      - "O(provider=lexicon). The options of that dns-lexicon provider, as lexicon names them without the provider
        prefix, for example C({auth_token: ..., pdns_server: https://pdns.example.org:8081}) for V(powerdns). They
        often hold credentials: the whole dict is C(no_log)."
    type: dict
  max_retry_wait:
    description:
      - HTTP providers (OVH, Gandi, Cloudflare). The longest single wait, in seconds, the module accepts when the API
        answers HTTP 429 or 503 with a C(Retry-After) header (Cloudflare blocks for 5 minutes after its rate limit).
        A longer C(Retry-After) fails the task at once with the time to wait; every wait is reported in
        RV(ignore:api_waits) (modules that write or back up).
      - V(0) never waits for a C(Retry-After).
    type: float
    default: 300.0
notes:
  - All changes of one task are sent in one request where the provider allows it (RFC 2136 UPDATE, PowerDNS PATCH,
    Cloudflare batch); OVH stages the writes and publishes them with one zone refresh; Gandi LiveDNS has no
    multi-RRset transaction, so each RRset named is one PUT or DELETE. Where there is no transaction (Gandi, OVH),
    every record is validated before the first write, and a write that fails is followed by putting back what the
    task had already changed; see docs/dns_providers.md.
  - The module reads the zone and compares before it writes, so a second run with the same arguments sends nothing.
  - "Names: O(zone)-relative unless they end with a dot or already end with the zone name; V(@) or an empty string is
    the apex. Domain names inside values (MX, CNAME, SRV, NS targets) are always absolute, with or without the final
    dot."
requirements:
  - dnspython >= 2.0
  - requests (HTTP providers)
seealso:
  - name: Mailwave DNS guide
    description: Providers, names and values, TXT splitting, the TTL cut-over procedure.
    link: https://example.invalid/mailwave/migrate/docs/dns.md
"""

    # One RRset's options (dns_record_set; propagation reuses record/type/value/ttl).
    RECORD = r"""
options:
  record:
    description:
      - The owner name of the RRset, relative to O(zone) (V(@) or empty for the apex), or absolute with a final dot.
    type: str
    required: true
  type:
    description:
      - The record type.
    type: str
    required: true
    choices: [A, AAAA, CAA, CNAME, DNAME, DS, MX, NAPTR, NS, PTR, SPF, SRV, SSHFP, TLSA, TXT]
  ttl:
    description:
      - TTL of the RRset in seconds. Default is the current TTL of the RRset, or 3600 when it is created.
    type: int
  value:
    description:
      - The values of the RRset, in zone-file syntax (V(10 mail.example.org) for MX, V(0 1 443 mail.example.org) for SRV,
        V(3 1 1 <hex>) for TLSA, V(0 issue "letsencrypt.org") for CAA).
      - "TXT: a value that does not start with a double quote is one string, split into 255-byte strings as DNS requires
        (long DKIM keys); a value starting with a double quote is zone-file syntax (V(\"part1\" \"part2\")). TXT values are
        compared by their joined text."
      - With O(state=present), the RRset becomes exactly this list. With O(state=absent), only these values are removed;
        without O(value), the whole RRset is removed.
    type: list
    elements: str
"""
