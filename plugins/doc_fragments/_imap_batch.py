# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.doc_fragments._imap import ModuleDocFragment as _Imap


def _nested(fragment, role):
    """An endpoint option's documentation from the _imap fragment, placed under jobs[]."""
    text = fragment.split("options:\n", 1)[1]
    text = text.replace("O(%s." % role, "O(jobs[].%s." % role).replace("O(source)", "O(jobs[].source)")
    return "".join("    " + line if line.strip() else line for line in text.splitlines(True))


class ModuleDocFragment:

    # The jobs option of imap_sync_batch: each job has the same source and destination as imap_sync.
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
""" + _nested(_Imap.SOURCE, "source") + _nested(_Imap.DESTINATION, "destination")
