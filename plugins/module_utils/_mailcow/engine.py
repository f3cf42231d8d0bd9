# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The generic engine every Mailcow module uses: read, compare, write only what differs, diff, check mode.

Mailcow reports success even for an edit that changes nothing, so ``changed`` is computed here by reading
first and comparing. A provider (``Resource`` subclass) knows one kind of object: how to read it into the
module's option names, create, update only the given changes, delete, and what to return (without
secrets). The engine never writes in check mode, and a second run with the same options sends no write.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.client import MailcowClient
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError


def mailcow_argument_spec():
    """The connection options every Mailcow module takes (doc fragment mailwave.migrate._mailcow)."""
    return dict(
        api_url=dict(type="str", required=True, fallback=(env_fallback, ["MAILCOW_API_URL"])),
        api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["MAILCOW_API_KEY"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def client_from_module(module):
    params = module.params
    return MailcowClient(params["api_url"], params["api_key"], validate_certs=params["validate_certs"],
                         timeout=params["timeout"])


class ResourceFailure(Exception):
    """Bad input found by a provider before any request: the message says what to do."""


class Resource:
    """One kind of Mailcow object, seen through the module's option names."""

    #: the options that are compared with the current object (only those the user set)
    COMPARED = ()
    #: the key of the result that holds the object
    RESULT_KEY = "object"

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params

    def validate(self):
        """Check options before any request; raise ResourceFailure."""

    def read(self):
        """The current object (dict in option names) or None when it does not exist."""
        raise NotImplementedError

    def desired(self):
        return dict((key, self.params[key]) for key in self.COMPARED if self.params.get(key) is not None)

    def same(self, key, have, want):  # pylint: disable=unused-argument
        return have == want

    def actions(self, current):  # pylint: disable=unused-argument
        """Writes wanted on an existing object whatever the comparison says (e.g. a password update)."""
        return []

    def create(self, desired):
        raise NotImplementedError

    def update(self, current, changes, actions):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    def predict(self, current, desired):
        """What the object would look like (check mode)."""
        state = dict(current or {})
        state.update(desired)
        return state

    def public(self, state):
        """What is returned and shown in the diff: never a secret."""
        return state


def run_resource(module, resource):
    """The state/diff/check-mode logic, once for every module. Returns the result dict."""
    resource.validate()
    state = module.params.get("state", "present")
    current = resource.read()
    changed = False
    result = {}
    if state == "absent":
        after = None
        if current is not None:
            changed = True
            if not module.check_mode:
                resource.delete(current)
    elif current is None:
        changed = True
        desired = resource.desired()
        if module.check_mode:
            after = resource.predict(None, desired)
        else:
            resource.create(desired)
            after = resource.read()
            if after is None:
                raise MailcowError("Mailcow reported success but the new object cannot be read back; check the "
                                   "Mailcow logs")
    else:
        desired = resource.desired()
        changes = dict((key, value) for key, value in desired.items()
                       if not resource.same(key, current.get(key), value))
        actions = resource.actions(current)
        if changes or actions:
            changed = True
            result["changes"] = sorted(list(changes) + list(actions))
            if module.check_mode:
                after = resource.predict(current, changes)
            else:
                resource.update(current, changes, actions)
                after = resource.read()
        else:
            after = current
    result["changed"] = changed
    result[resource.RESULT_KEY] = resource.public(after) if after is not None else {}
    if module._diff:
        result["diff"] = {
            "before": resource.public(current) if current is not None else {},
            "after": resource.public(after) if after is not None else {},
        }
    return result


def main_for(module, resource_class, runner=None):
    """Run a resource module; every failure becomes fail_json with a sentence, never a traceback."""
    def work(client):
        return (runner or run_resource)(module, resource_class(module, client))
    main_with_client(module, work)


def main_with_client(module, work):
    """exit_json(**work(client)); every failure becomes fail_json with a sentence, never a traceback."""
    try:
        result = work(client_from_module(module))
    except ResourceFailure as exc:
        module.fail_json(msg=to_native(exc))
    except MailcowError as exc:
        fail = {"msg": to_native(exc)}
        if exc.key:
            fail["mailcow_error"] = exc.key if isinstance(exc.key, str) else to_native(exc.key)
        if exc.status:
            fail["http_status"] = exc.status
        module.fail_json(**fail)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg="unexpected error while talking to Mailcow (%s: %s); please report it"
                         % (type(exc).__name__, to_native(exc)))
    module.exit_json(**result)


def flag(value):
    """A module bool as Mailcow's 0/1."""
    return 1 if value else 0


def as_bool(value):
    try:
        return int(value) == 1
    except (TypeError, ValueError):
        return bool(value)
