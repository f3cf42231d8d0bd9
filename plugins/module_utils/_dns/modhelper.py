# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The module boundary shared by the DNS modules: build the AnsibleModule, the provider, run an
engine, and turn every expected error into fail_json (never a traceback)."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import EngineError
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    RecordError,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import (
    COMMON_REQUIRED_TOGETHER,
    common_argument_spec,
    create_provider,
)


def dns_module(extra_spec, **kwargs):
    """AnsibleModule with the common DNS options plus extra_spec; fails cleanly without dnspython."""
    required_together = list(COMMON_REQUIRED_TOGETHER) + list(kwargs.pop("required_together", []))
    module = AnsibleModule(argument_spec=common_argument_spec(**extra_spec), supports_check_mode=True,
                           required_together=required_together, **kwargs)
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython"), exception=str(DNSPYTHON_IMPORT_ERROR))
    return module


def run_with_provider(module, engine, *args, **kwargs):
    """engine(provider, *args, **kwargs) -> result dict; exit_json/fail_json with it."""
    provider = None

    def report():
        return provider.report() if provider is not None else {}

    try:
        provider = create_provider(module.params)
        result = engine(provider, *args, **kwargs)
        result.update(report())
    except EngineError as exc:
        module.fail_json(msg=str(exc), **dict(exc.result, **report()))
    except (DNSError, RecordError) as exc:
        module.fail_json(msg=str(exc), error=type(exc).__name__, **report())
    except Exception as exc:  # a bug or an unexpected library error: still a clean failure, with the trace
        module.fail_json(msg="unexpected error (%s): %s" % (type(exc).__name__, exc),
                         exception=traceback.format_exc())
    finally:
        if provider is not None:
            provider.close()
    module.exit_json(**result)
