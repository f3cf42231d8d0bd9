# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # The connection to Mailcow's HTTP API, shared by every mailcow_* module.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the Mailcow server, for example V(https://mail.example.org). A trailing C(/api/v1) is accepted.
      - If not set, the environment variable E(MAILCOW_API_URL) is used.
    type: str
    required: true
  api_key:
    description:
      - A Mailcow API key (System > Configuration > Access > API). Modules that change something need the
        read-write key; the read-only key is enough for M(mailwave.migrate.mailcow_info) and
        M(mailwave.migrate.mailcow_syncjob_info).
      - If not set, the environment variable E(MAILCOW_API_KEY) is used.
      - The key is sent in the C(X-API-Key) header and never appears in results or messages.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for a test server.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP answer. Reads are retried (3 times, with backoff) on connection errors,
        timeouts and HTTP 5xx; writes only when they certainly did not reach Mailcow.
    type: int
    default: 30
notes:
  - Use C(group/mailwave.migrate.mailcow) in C(module_defaults) to set O(api_url) and O(api_key) once per play.
"""
