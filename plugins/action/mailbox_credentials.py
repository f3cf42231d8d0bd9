# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""mailbox_credentials on the controller, where the play's vault secrets are.

The credentials file lives on the controller (the wave's work directory). After the guide's "encrypt
them" step it is Vault-encrypted; a module on a target cannot decrypt it, so this action plugin reads,
plans and writes it here: decrypted with the play's vault secrets, written back encrypted whenever the
play has one (and always when the file was encrypted).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.credentials import (
    CredentialsError,
    file_is_private,
    is_vault,
    load,
    plan,
    store,
)

ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    addresses=dict(type="list", elements="str", required=True),
    regenerate=dict(type="list", elements="str", default=[], no_log=False),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path = os.path.expanduser(args["path"])
        addresses = [a.strip().lower() for a in args["addresses"]]
        regenerate = {a.strip().lower() for a in args["regenerate"]}
        vault = self._loader._vault  # pylint: disable=protected-access # the play's vault secrets
        has_secret = bool(vault and vault.secrets)

        def decrypt(text):
            return to_text(vault.decrypt(to_bytes(text)))

        def encrypt(text):
            return to_text(vault.encrypt(to_bytes(text)))

        try:
            with open(path, encoding="utf-8") as handle:
                was_vault = is_vault(handle.read(64))
        except OSError:
            was_vault = False
        try:
            stored = load(path, decrypt if has_secret else None)
            creds, created, renewed = plan(stored, addresses, regenerate)
            loose = os.path.exists(path) and not file_is_private(path)
            changed = bool(created or renewed or loose)
            if changed and not self._task.check_mode:
                store(path, creds, encrypt if (has_secret or was_vault) else None)
        except CredentialsError as exc:
            return dict(result, failed=True, msg=str(exc), path=path)
        except AnsibleError as exc:
            return dict(result, failed=True, msg="cannot encrypt the credentials file %s: %s" % (path, exc),
                        path=path)
        except OSError as exc:
            return dict(result, failed=True, path=path,
                        msg="cannot write the credentials file %s: %s; check that its directory is writable"
                            % (path, exc.strerror or exc))
        result.update(changed=changed, path=path, created=created, regenerated=renewed,
                      encrypted=bool(has_secret or was_vault))
        if self._task.diff:
            result["diff"] = {"before": {"addresses": sorted(stored)}, "after": {"addresses": sorted(creds)}}
        return result
