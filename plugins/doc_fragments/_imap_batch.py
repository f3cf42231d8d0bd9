# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # The jobs option of imap_sync_batch: each job has the same source and destination as imap_sync.
    # ansible-test wants a literal here; the source and destination parts are _imap's SOURCE and
    # DESTINATION nested under jobs[] (tests/unit/plugins/doc_fragments/test_imap_batch.py keeps them equal).
    JOBS = r"""
requirements:
  - imapclient >= 3.0
options:
  jobs:
    description:
      - The mailbox copies, one per job, in the order they are preferred (the scheduler still alternates
        between domains).
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - Unique name of the job, usually the destination address; the key of its result and progress.
        type: str
        required: true
      domain:
        description:
          - Domain the job belongs to; copies are spread fairly over domains.
        type: str
      options:
        description:
          - Copy options of M(mailwave.migrate.imap_sync) for this job (for example C(state_dir),
            C(delete2), C(folders_exclude), C(connections)), over O(options).
        type: dict
        default: {}
      source:
        description:
          - The IMAP account to read from.
        type: dict
        required: true
        suboptions:
          host:
            description:
              - Host name or address of the IMAP server.
              - Required unless O(jobs[].source.provider) fills it in.
            type: str
          port:
            description:
              - TCP port. Defaults to V(993) with O(jobs[].source.security=tls) and V(143) otherwise (or the preset's port).
            type: int
          security:
            description:
              - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
                V(plain) sends everything, the password included, in clear text and needs O(jobs[].source.allow_plaintext=true).
              - Defaults to V(tls), or to what the provider preset says.
            type: str
            choices: [tls, starttls, plain]
          allow_plaintext:
            description:
              - The explicit opt-in for O(jobs[].source.security=plain). Without it a plain-text connection is refused.
            type: bool
            default: false
          user:
            description:
              - Login name (usually the full e-mail address).
            type: str
            required: true
          password:
            description:
              - Password (LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN).
              - Exactly one of O(jobs[].source.password) and O(jobs[].source.oauth2_token) must be given.
            type: str
          oauth2_token:
            description:
              - An OAuth2 access token, used with XOAUTH2 (Gmail, Microsoft 365 accounts that refuse passwords).
              - Exactly one of O(jobs[].source.password) and O(jobs[].source.oauth2_token) must be given.
            type: str
          ca_file:
            description:
              - PEM file of the CA certificates to trust instead of the system's ones.
            type: path
          validate_certs:
            description:
              - Verify the server's TLS certificate and host name. Only turn this off for a test server.
            type: bool
            default: true
          timeout:
            description:
              - Seconds to wait for the server on connect and on each read. Defaults to 120 (or the preset's value).
            type: float
          provider:
            description:
              - Name of a provider preset (for example V(ovh), V(gandi), V(gmail), V(office365)) that fills in
                host, port, security, and provider-specific limits and folders to skip. Explicit options win over
                the preset.
            type: str
      destination:
        description:
          - The IMAP account to write to. Same suboptions as O(jobs[].source).
        type: dict
        required: true
        suboptions:
          host:
            description:
              - Host name or address of the IMAP server.
              - Required unless O(jobs[].destination.provider) fills it in.
            type: str
          port:
            description:
              - TCP port. Defaults to V(993) with O(jobs[].destination.security=tls) and V(143) otherwise (or the preset's port).
            type: int
          security:
            description:
              - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
                V(plain) sends everything, the password included, in clear text and needs
                O(jobs[].destination.allow_plaintext=true).
              - Defaults to V(tls), or to what the provider preset says.
            type: str
            choices: [tls, starttls, plain]
          allow_plaintext:
            description:
              - The explicit opt-in for O(jobs[].destination.security=plain). Without it a plain-text connection is refused.
            type: bool
            default: false
          user:
            description:
              - Login name (usually the full e-mail address).
            type: str
            required: true
          password:
            description:
              - Password (LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN).
              - Exactly one of O(jobs[].destination.password) and O(jobs[].destination.oauth2_token) must be given.
            type: str
          oauth2_token:
            description:
              - An OAuth2 access token, used with XOAUTH2.
              - Exactly one of O(jobs[].destination.password) and O(jobs[].destination.oauth2_token) must be given.
            type: str
          ca_file:
            description:
              - PEM file of the CA certificates to trust instead of the system's ones.
            type: path
          validate_certs:
            description:
              - Verify the server's TLS certificate and host name. Only turn this off for a test server.
            type: bool
            default: true
          timeout:
            description:
              - Seconds to wait for the server on connect and on each read. Defaults to 120 (or the preset's value).
            type: float
          provider:
            description:
              - Name of a provider preset (for example V(ovh), V(gandi), V(gmail), V(office365)) that fills in
                host, port, security, and provider-specific limits. Explicit options win over the preset.
            type: str
"""
