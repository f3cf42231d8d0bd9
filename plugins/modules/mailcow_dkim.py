#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_dkim
short_description: Make sure a Mailcow domain has a DKIM key and return its public DNS record
version_added: 0.1.0
description:
  - Creates the DKIM key of a Mailcow domain when it has none (with O(selector) and O(key_size)), and returns
    the TXT record to publish in DNS (name and value).
  - An existing key is never replaced (that would break signatures until DNS is updated); when its selector
    differs from O(selector) the module warns and returns the existing key.
  - With O(state=absent) the key is removed.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  domain:
    description: The Mailcow domain. It must exist on Mailcow.
    type: str
    required: true
  selector:
    description: DKIM selector of a new key; the DNS record is C(<selector>._domainkey.<domain>).
    type: str
    default: dkim
  key_size:
    description: RSA key length of a new key, in bits.
    type: int
    choices: [1024, 2048, 3072, 4096]
    default: 2048
  state:
    description: V(present) makes sure a key exists, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: mailwave.migrate.mailcow_domain
  - module: mailwave.migrate.mailcow_info
"""

EXAMPLES = r"""
- name: Make sure the domain has a DKIM key
  mailwave.migrate.mailcow_dkim:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    domain: example.com
  register: dkim

- name: Show the record to publish
  ansible.builtin.debug:
    msg: "{{ dkim.dkim.txt_name }} TXT {{ dkim.dkim.txt_value }}"
"""

RETURN = r"""
dkim:
  description: The domain's DKIM key (in check mode before creation, without the key material). Empty when absent.
  returned: always
  type: dict
  contains:
    domain:
      description: Domain.
      type: str
    selector:
      description: DKIM selector.
      type: str
    length:
      description: Key length as Mailcow reports it.
      type: str
    public_key:
      description: Public key (base64 DER), null in check mode before creation.
      type: str
    txt_name:
      description: Name of the TXT record.
      type: str
    txt_value:
      description: Value of the TXT record, null in check mode before creation.
      type: str
  sample:
    domain: example.com
    selector: dkim
    length: "2048"
    public_key: MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...
    txt_name: dkim._domainkey.example.com
    txt_value: v=DKIM1;k=rsa;t=s;s=email;p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.dkim import DkimResource
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    main_for, mailcow_argument_spec, run_resource)


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        domain=dict(type="str", required=True),
        selector=dict(type="str", default="dkim"),
        key_size=dict(type="int", choices=[1024, 2048, 3072, 4096], default=2048),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    def runner(module_, resource):
        result = run_resource(module_, resource)
        key = result.get("dkim") or {}
        if module_.params["state"] == "present" and not result["changed"] and key.get("selector") not in (
                None, module_.params["selector"]):
            module_.warn("the DKIM key of %s already exists with selector %s, not %s; it was kept"
                         % (resource.domain, key.get("selector"), module_.params["selector"]))
        return result

    main_for(module, DkimResource, runner)


if __name__ == "__main__":
    main()
