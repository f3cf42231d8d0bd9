# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""One account's copy as dav_sync does it, for dav_sync (one account) and dav_syncs (many at once).

``sync_account`` checks the account's settings, reads its state file, finds the source (URL, DNS,
Google, Microsoft Graph), copies, writes the state file back and returns dav_sync's result; it raises
``AccountError`` (message and extra return values) where dav_sync fails. No AnsibleModule here, so that
threads can run several accounts in one module run.
"""

from __future__ import annotations

import json
import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import write_private_file
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.engine import AccountSync
from ansible_collections.mailwave.migrate.plugins.module_utils._dav import graph, providers, srv
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import DavClient, DavError, PerKindSource

KIND_CHOICES = ["contacts", "calendars"]


class AccountError(Exception):
    """dav_sync's failure for one account: ``msg`` and the return values that go with it."""

    def __init__(self, msg, **extra):
        super().__init__(msg)
        self.msg = msg
        self.extra = extra


def copy_options_spec():
    """The argument spec of what and how to copy (doc fragment _dav), shared by dav_sync and dav_syncs."""
    return dict(
        kinds=dict(type="list", elements="str", choices=KIND_CHOICES, default=list(KIND_CHOICES)),
        on_conflict=dict(type="str", choices=["keep", "overwrite"], default="keep"),
        timeout=dict(type="int", default=60),
    )


def endpoint_spec():
    """The destination's argument spec (SOGo)."""
    return dict(type="dict", required=True, options=dict(
        url=dict(type="str", required=True),
        user=dict(type="str", required=True),
        password=dict(type="str", required=True, no_log=True),
        ca_file=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
    ))


def source_spec():
    """The source's argument spec (CardDAV/CalDAV, Google or Microsoft Graph)."""
    return dict(type="dict", required=True, options=dict(
        provider=dict(type="str", choices=["dav", "google", "microsoft"], default="dav"),
        url=dict(type="str"),
        user=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        oauth2_token=dict(type="str", no_log=True),
        calendar_ids=dict(type="list", elements="str"),
        resolver=dict(type="list", elements="str"),
        ca_file=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
    ), mutually_exclusive=[["password", "oauth2_token"]], required_one_of=[["password", "oauth2_token"]])


def _client(params, timeout):
    verify = params["ca_file"] or params["validate_certs"]
    return DavClient(params["url"], params["user"], params.get("password"), verify=verify, timeout=timeout,
                     token=params.get("oauth2_token"))


def source_client(params, kinds, timeout):
    """(source, DNS discovery or None): one DavClient, or one per kind (Google's CardDAV and CalDAV are on two
    hosts; DNS discovery may name two servers)."""
    verify = params["ca_file"] or params["validate_certs"]
    if params["provider"] == "microsoft":
        if not params["oauth2_token"]:
            raise AccountError("a Microsoft 365 source needs source.oauth2_token (an OAuth2 access token for Microsoft "
                               "Graph with the permissions %s); Graph takes no password" % ", ".join(graph.SCOPES.values()))
        if "@" not in params["user"]:
            raise AccountError("a Microsoft 365 source's user must be the account's address (its user principal "
                               "name), not %r" % params["user"])
        return graph.GraphSource(params["user"], params["oauth2_token"], params["url"] or None,
                                 ca_file=params["ca_file"], validate_certs=params["validate_certs"],
                                 timeout=timeout), None
    if params["provider"] != "google":
        if params["url"] and "://" in params["url"]:
            return _client(params, timeout), None
        return _srv_source(params, kinds, timeout)
    if not params["oauth2_token"]:
        raise AccountError("a Google source needs source.oauth2_token (an OAuth2 access token with the scopes %s);"
                           " Google refuses passwords on CardDAV/CalDAV" % ", ".join(providers.scopes_needed(
                               ["addressbook", "calendar"])))
    try:
        urls = providers.google_collections(params["user"], params["calendar_ids"], params["url"] or "")
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    return PerKindSource({kind: DavClient(found[0], params["user"], verify=verify, timeout=timeout,
                                          token=params["oauth2_token"], fixed={kind: found})
                          for kind, found in urls.items()}), None


def _srv_source(params, kinds, timeout):
    """RFC 6764: the service from the DNS (SRV, TXT path=), then discovery as for a URL."""
    if not srv.HAS_DNSPYTHON:
        raise AccountError(missing_required_lib("dnspython") + " (for DNS discovery; or give source.url)")
    domain = srv.domain_of(params["url"], params["user"])
    if not domain:
        raise AccountError("source.url %r is neither a URL nor a domain, and source.user has no domain: give the "
                           "server's URL (https://...)" % (params["url"] or ""))
    try:
        resolvers = srv.parse_resolvers(params["resolver"])
    except ValueError as exc:
        raise AccountError("source.resolver: %s" % exc) from None
    names = {"contacts": "addressbook", "calendars": "calendar"}
    found, notes = {}, []
    for name in kinds:
        try:
            url, said = srv.lookup(domain, names[name], resolvers, timeout=min(timeout, 30))
        except srv.SrvError as exc:
            raise AccountError("%s; check source.resolver, or give source.url" % exc) from None
        notes += said
        if url:
            found[names[name]] = url
    discovery = dict(found, notes=notes)
    if not found:
        raise AccountError("no CardDAV/CalDAV service for %s in the DNS (no _carddavs._tcp/_caldavs._tcp SRV record)%s: "
                           "give source.url" % (domain, "; " + "; ".join(notes) if notes else ""), discovery=discovery)
    clients = {}
    for kind, url in found.items():
        same = [c for c in clients.values() if c.url == (url if url.endswith("/") else url + "/")]
        clients[kind] = same[0] if same else _client(dict(params, url=url), timeout)
    return PerKindSource(clients), discovery


def check_urls(source, destination):
    """The message of a URL dav_sync refuses, or None."""
    for side, params in (("source", source), ("destination", destination)):
        url = params["url"]
        if (side == "destination" or (url and "://" in url)) and not url.startswith(("https://", "http://")):
            return "%s.url must start with https:// (or http:// for a local test server), not %r" % (side, url)
    return None


def read_state(state_file):
    if not os.path.exists(state_file):
        return {}
    try:
        with open(state_file, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise AccountError("cannot read state_file %s: %s; fix or remove it (then contents are compared)"
                           % (state_file, exc)) from None


def sync_account(source, destination, kinds, state_file, on_conflict="keep", timeout=60, check_mode=False):
    """(changed, result, diff) of one account, as dav_sync returns them; AccountError where it fails.

    ``source`` and ``destination`` are the checked options of dav_sync (``source_spec``, ``endpoint_spec``).
    """
    problem = check_urls(source, destination)
    if problem:
        raise AccountError(problem)
    state = read_state(state_file)
    src, discovery = source_client(source, kinds, timeout)
    dest = _client(destination, timeout)
    sync = AccountSync(src, dest, destination["user"], state, check_mode=check_mode, on_conflict=on_conflict)
    try:
        try:
            result = sync.run(kinds)
        finally:
            # the state of what was copied is kept even when the run stops half-way
            if not check_mode:
                directory = os.path.dirname(os.path.abspath(state_file))
                if os.path.isdir(directory):
                    write_private_file(state_file, json.dumps(sync.state, indent=1, sort_keys=True))
    except DavError as exc:
        raise AccountError(str(exc), collections=sync.result["collections"]) from None
    except OSError as exc:
        raise AccountError("cannot write state_file %s: %s" % (state_file, exc)) from None
    if discovery is not None:
        result["discovery"] = discovery
    if isinstance(src, graph.GraphSource):
        result["conversions"], result["skipped"] = src.conversions, src.skipped
    result["requests"] = {"source": src.requests, "destination": dest.requests, "writes": dest.writes}
    diff = {"before": {}, "after": {}}
    for coll in result["collections"]:
        written = list(coll.get("verified", [])) + [a["uid"] for a in coll.get("altered", [])]
        if written or coll["created"]:
            diff["after"][coll["destination"]] = sorted(written)
    return sync.changed, result, diff
