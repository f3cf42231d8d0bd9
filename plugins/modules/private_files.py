#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: private_files
short_description: Write many small private files (messages to users, summaries) in one call
version_added: 0.1.0
description:
  - Makes sure that each file has exactly the given content and is readable by its owner only (mode 0600, its
    directory created with mode 0700). Writes only the files that differ; an unchanged set reports
    C(changed=false).
  - Meant for the messages of a migration wave that hold new passwords; rendering them with the
    M(ansible.builtin.template) lookup and writing them here takes one task instead of one per file.
  - The contents are never returned, only the paths.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff lists the paths that change, never the contents.
  idempotent:
    support: full
options:
  files:
    description: The files.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Path of the file.
        type: path
        required: true
      content:
        description: Its whole content (text, written as UTF-8). Treated as a secret.
        type: str
        required: true
"""

EXAMPLES = r"""
- name: Write each user's message (they hold passwords)
  mailwave.migrate.private_files:
    files: >-
      {%- set out = [] -%}
      {%- for box in mailboxes -%}
      {%-   set _ = out.append({'path': '/srv/wave1/' ~ box.address ~ '.txt',
                              'content': lookup('ansible.builtin.template', 'user.txt.j2', template_vars={'box': box})}) -%}
      {%- endfor -%}
      {{ out }}
  no_log: true

- name: One file
  mailwave.migrate.private_files:
    files:
      - path: /srv/wave1/notifications/example.org/_admin.en.txt
        content: "{{ lookup('ansible.builtin.template', 'admin.en.txt.j2') }}"
"""

RETURN = r"""
written:
  description: Paths written (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [/srv/wave1/notifications/example.org/anna@example.org.en.txt]
unchanged:
  description: Number of files already as wanted.
  returned: always
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.privfiles import apply, plan


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", required=True, options=dict(
                path=dict(type="path", required=True),
                content=dict(type="str", required=True, no_log=True),
            )),
        ),
        supports_check_mode=True,
    )
    files = module.params["files"]
    try:
        todo = plan(files)
        if todo and not module.check_mode:
            apply(todo)
    except OSError as exc:
        module.fail_json(msg="cannot write %s: %s; check that the directory is writable"
                         % (getattr(exc, "filename", "") or "a file", exc.strerror or exc))
    result = dict(changed=bool(todo), written=[t[0] for t in todo], unchanged=len(files) - len(todo))
    if module._diff:
        result["diff"] = {"before": {"to_write": []}, "after": {"to_write": ["%s (%s)" % (t[0], t[2]) for t in todo]}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
