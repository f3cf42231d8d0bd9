# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # Modules that change something.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
"""

    # Modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    ACTIONGROUP_MAILCOW = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailwave.migrate.mailcow) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailwave.migrate.mailcow
"""

    ACTIONGROUP_DNS = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/mailwave.migrate.dns) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mailwave.migrate.dns
"""
