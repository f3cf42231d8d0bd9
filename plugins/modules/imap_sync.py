#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: imap_sync
short_description: Copy a mailbox from one IMAP server to another with imapsync semantics
version_added: 0.1.0
description:
  - Copies every message of every (selected) folder of the O(source) account to the O(destination) account,
    byte for byte, with its flags (filtered by what the destination folder accepts; keywords kept) and its
    INTERNALDATE. Folders are created and mapped (separator, namespace prefix, O(automap), O(folder_map),
    O(subfolder)).
  - A message is recognised as already copied by the imapsync header key (Message-Id and Received,
    normalised), so a box pre-copied by imapsync is recognised; messages with neither header get a
    deterministic fallback key and are copied too. Matching is a multiset match; exact duplicates inside a
    source folder are all copied (imapsync drops them by default).
  - Several connections per side work in parallel; bodies are fetched and appended in batches (MULTIAPPEND
    with LITERAL+ when the server has them). A dropped connection is reconnected and what is still missing
    is sent again after a fresh look at the destination, so nothing is lost or duplicated.
  - Every copied message is verified on the destination (size, flags, INTERNALDATE). The module fails, with
    the counts and the list of errors, when a message could not be copied (rejected, over quota, oversize).
  - Running it again copies nothing that is already there and reports no change.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._imap.SOURCE
  - mailwave.migrate._imap.DESTINATION
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode is a dry run; it reports what would be copied, updated and deleted, and writes nothing on
        either server nor in O(state_dir). The counts are those of the plan a real run carries out (under
        O(delete1), the messages it would copy and then delete are counted too).
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  folders_include:
    description:
      - Regular expressions (searched in the full source folder name, like imapsync's C(--include)); only
        folders matching one of them are copied. Empty means every folder.
    type: list
    elements: str
  folders_exclude:
    description:
      - Regular expressions; source folders matching one of them are not copied (imapsync's C(--exclude)).
        Applied after O(folders_include). A provider preset may add its own.
    type: list
    elements: str
  folder_map:
    description:
      - Explicit source folder -> destination folder names (full names, like imapsync's C(--f1f2)). Wins over
        O(automap) and O(subfolder).
    type: dict
  automap:
    description:
      - Map special-use folders (Sent, Drafts, Trash, Junk, Archive...) of the source onto those of the
        destination, by RFC 6154 flags first, then by localised names ("Sent Items", "Éléments envoyés", ...).
      - Defaults to V(false), or to what the source's provider preset says (V(true) for Gmail).
    type: bool
  subfolder:
    description:
      - Put the whole copied tree under this destination folder (imapsync's C(--subfolder2)).
    type: str
  subscribe_all:
    description:
      - Subscribe to every copied folder on the destination. Without it, a destination folder is subscribed
        when the source folder is.
    type: bool
    default: false
  delete2duplicates:
    description:
      - Delete messages of a destination folder that duplicate another message of that folder (same identity
        key) beyond what the source holds (the source's own duplicates are kept).
      - With O(max_age)/O(min_age), only messages inside the age window are considered.
    type: bool
    default: false
  delete2:
    description:
      - Mirror. Delete, in each copied destination folder, every message that is not on the source (implies
        O(delete2duplicates)). Turn it off before the MX switch, or new mail on the destination is deleted.
      - With O(max_age)/O(min_age), only destination messages inside the age window are compared and deleted
        (as imapsync); a message left out by O(max_size) still counts as on the source, so its copy on the
        destination is kept.
      - Refused together with O(delete1).
    type: bool
    default: false
  delete1:
    description:
      - Delete from the source the messages verified present on the destination at the end of the run
        (flag C(\\Deleted) and expunge). Messages that failed to copy or to verify stay on the source.
      - Needs O(delete1_confirm=true) outside check mode. Refused together with O(delete2).
    type: bool
    default: false
  delete1_confirm:
    description:
      - The explicit confirmation that O(delete1) may delete mail on the source.
    type: bool
    default: false
  skip_cross_duplicates:
    description:
      - Do not copy a message whose identity key is held by an earlier folder of the source (folders taken in
        the order of O(folders_first), then INBOX, then by name), for sources where one message appears in
        several folders, such as Gmail labels. It holds on re-runs with O(state_dir) too.
      - Defaults to V(false), or to what the source's provider preset says (V(true) for Gmail).
    type: bool
  folders_first:
    description:
      - Source folders (full names) that O(skip_cross_duplicates) goes through first, in this order
        (imapsync's C(--folderfirst)); a message several folders hold is copied into the first of them only.
        The others follow, INBOX first, then by name; a Gmail source's All Mail comes last.
      - For a Gmail source (labels as folders) this is the label precedence, for example V([Work, INBOX]) to
        keep a message labelled Work in Work rather than in INBOX. Choose it before the first copy; changing
        it later copies such messages again into the folders that now come first.
    type: list
    elements: str
  resync_flags:
    description:
      - Update the flags of messages already on the destination to match the source (imapsync's default
        C(--resyncflags)).
    type: bool
    default: true
  max_age:
    description:
      - Consider only messages sent at most this many days ago (SEARCH SENTSINCE), on both sides as imapsync
        does; messages outside the window are neither copied, nor re-flagged, nor deleted by O(delete2).
    type: float
  min_age:
    description:
      - Consider only messages sent at least this many days ago (SEARCH SENTBEFORE), on both sides.
      - With O(max_age) too, O(min_age) <= O(max_age) keeps the messages between the two ages (intersection);
        O(min_age) > O(max_age) keeps the messages outside them (union), as imapsync.
    type: float
  max_size:
    description:
      - Do not copy messages of this size in bytes or bigger (imapsync's C(--maxsize)); they count as
        C(filtered). It only skips the copy; a copy already on the destination is kept and matched, its flags
        are left alone. A destination preset may set it (Microsoft 365 refuses messages over 45 MB).
    type: int
  max_bytes_per_second:
    description:
      - Keep the average transfer rate under this many bytes per second (all connections together).
    type: int
  max_messages_per_second:
    description:
      - Keep the average rate under this many messages per second (all connections together).
    type: float
  max_bytes_per_day:
    description:
      - Download at most this many bytes from the source account in any 24 hours (a provider's day limit;
        Gmail allows 2,500 MB). Counted across runs in O(state_dir) (without it, within this run only).
      - When the next batch would pass it, the copy pauses; what is in flight lands and is verified, the result
        has RV(paused) with the time the copy can go on, and the module does not fail. A run after that time
        goes on where this one stopped. A source that refuses downloads itself (Gmail's
        C([OVERQUOTA] Account exceeded command or bandwidth limits) answer to a FETCH, or a server asking to
        wait more than 15 minutes) pauses the copy the same way.
      - Unset, the source preset's limit applies (C(gmail) has 2500000000); V(0) sets no limit.
      - imapsync's C(--exitwhenover) counts one run only and exits with an error; this one counts the day.
    type: int
  connections:
    description:
      - Parallel copy workers; each has one connection to the source and one to the destination. A provider
        preset may lower it to the provider's limit.
    type: int
    default: 4
  state_dir:
    description:
      - Directory (created 0700; files 0600) where a UID map per folder pair is kept, scoped by the folders'
        UIDVALIDITY. With it, a re-run with no change costs one STATUS per folder (on a source with CONDSTORE),
        and a killed run resumes without loss or duplicate. Without it, re-runs compare identity headers of both
        sides.
      - A folder pair is only skipped as unchanged when the run that recorded it selected the same messages
        (O(max_age), O(max_size), the day's O(min_age) cutoff) and did at least the deletions asked for now.
    type: path
  verify:
    description:
      - How each copied message is verified on the destination. V(standard) compares size, flags and
        INTERNALDATE with the source, and the header of every message with 8-bit bytes in its header (what
        Cyrus IMAP's C(munge8bit), Debian's default, rewrites to C(X) at the same size); the metadata and those
        headers are read in one pipelined round trip per folder.
      - V(full) also compares a digest of every whole message as the destination serves it with what was
        sent (the destination's copies are read back once; messages over 4 MB are then not streamed but held
        in memory one at a time).
      - A difference is an error for that message, naming the server setting to change where it is known;
        the message is not deleted from the source by O(delete1). A final CRLF a destination adds to a message
        that had no final line end (Courier-IMAP, size + 2) is recognised and only noted in RV(warnings_list).
    type: str
    choices: [standard, full]
    default: standard
  errors_max:
    description:
      - Stop copying once this many errors happened (imapsync's C(--errorsmax)), e.g. when the destination
        refuses every message (quota full). What was copied is still verified and reported; the messages not
        attempted count as missing and the task fails; a re-run copies them.
      - Unset (the default), every message is attempted and every error reported; imapsync stops at 50 by
        default.
    type: int
  useheader:
    description:
      - The header fields whose values make the identity key of a message (imapsync's C(--useheader)), on
        both sides, instead of C(Message-Id) and C(Received). The key is imapsync's signature over them, byte
        for byte, so a box copied by imapsync with the same C(--useheader) is recognised.
      - For example V([Message-Id]) when the destination or a previous copier rewrote the C(Received) lines
        (a copy whose other headers differ is then matched by its Message-Id and not copied again), or
        V([X-MS-Exchange-Parent-Message-Id]) for servers that rewrite the Message-Id. V([ALL]), alone and in
        capitals, takes every header field (the whole header is read).
      - A message without any of them gets the fallback key (INTERNALDATE, Date, From, Subject) and is copied
        (imapsync skips it as void).
      - Changing it makes the next run with O(state_dir) look at every folder pair again once.
    type: list
    elements: str
  regextrans2:
    description:
      - Rules that rewrite destination folder names (imapsync's C(--regextrans2)), applied in order, each to
        the result of the one before, to the full destination name that the separator and namespace
        translation and O(subfolder) gave (with the destination's separator and prefix, for example
        C(INBOX.Work.2019) on Courier). Like imapsync, they do not change a O(folder_map) or O(automap)
        target. The separator in the result makes the hierarchy.
      - Python C(re.sub) semantics, not Perl's C(s///) - every match is replaced (Perl's C(/g)), groups are
        C(\1) or C(\g<name>) in O(regextrans2[].replace) (a Perl C($1) is refused rather than written as it
        is), case-insensitive matching is the inline flag C(?i) at the start of the regex.
      - A rule whose regex does not compile, whose replacement names a group the regex lacks, or that gives
        an empty name, is refused before anything is copied, naming the rule. Two source folders rewritten
        to one destination folder are refused too (imapsync merges them).
      - Check mode shows the resulting names in RV(folders) and RV(rewritten_folders).
    type: list
    elements: dict
    suboptions:
      regex:
        description:
          - Regular expression (Python syntax) searched in the destination name.
        type: str
        required: true
      replace:
        description:
          - What each match is replaced with; may be empty.
        type: str
        required: true
notes:
  - Dovecot may drop a connection or refuse a SELECT under parallel load; the module reconnects and sends
    again only what is missing.
  - With O(state_dir), a folder is skipped when its STATUS is as recorded; without CONDSTORE on the source, a
    flag change does not show in STATUS, so such folders have their flags read again on every run (unless
    O(resync_flags=false)).
  - "Deliberate differences from imapsync: exact duplicates inside a source folder are all copied; messages
    with neither Message-Id nor Received are copied (imapsync skips them without C(--addheader)) and
    recognised by a fallback key; O(automap) uses RFC 6154 flags, then its own table of localised names,
    and never merges two source folders; C(\\Noselect) folders are not copied themselves, their children are;
    O(delete1) does not expunge the source folder first (imapsync turns on C(--expunge1)): a message already
    marked C(\\Deleted) is copied with that flag, and only what this run verified is expunged (UID EXPUNGE).
    The user guide lists them all (docs/imap_sync.md)."
seealso:
  - module: mailwave.migrate.imap_mailbox_info
"""

EXAMPLES = r"""
- name: Copy a mailbox from OVH to Mailcow
  mailwave.migrate.imap_sync:
    source:
      provider: ovh
      user: alice@example.org
      password: "{{ old_password }}"
    destination:
      host: mail.example.net
      user: alice@example.org
      password: "{{ new_password }}"
    automap: true
    subscribe_all: true
    state_dir: /var/lib/mailwave/state
  register: copy

- name: Show the verdict
  ansible.builtin.debug:
    msg: "{{ copy.verdict }}"

- name: Final pass after the MX switch, then remove the copied mail from the old box
  mailwave.migrate.imap_sync:
    source:
      host: imap.old.example
      user: bob@example.org
      password: "{{ old_password }}"
    destination:
      host: mail.example.net
      user: bob@example.org
      password: "{{ new_password }}"
    folders_exclude: ['^Junk$']
    delete1: true
    delete1_confirm: true
"""

RETURN = r"""
verdict:
  description: One line like imapsync's final verdict.
  returned: always
  type: str
  sample: all 2000 messages of the source are on the destination
complete:
  description: Whether every selected source message is on the destination and no error happened.
  returned: always
  type: bool
totals:
  description:
    - Counts over all folder pairs. C(source_messages) found on the source, C(source_selected) after
      O(max_age)/O(min_age)/O(max_size) (C(filtered) left out), C(destination_messages_before) /
      C(destination_messages_after), C(copied) (would be copied in check mode), C(skipped) (already there),
      C(source_duplicates) (messages sharing a key with another of the same folder, all copied; counted only
      when identity keys were read, i.e. not on a first copy into an empty folder),
      C(cross_duplicates) (skipped by O(skip_cross_duplicates)), C(flags_updated), C(deleted_source),
      C(deleted_destination), C(missing) (still not on the destination), C(errors), C(bytes) copied.
  returned: always
  type: dict
  sample: {source_messages: 2000, copied: 2000, skipped: 0, bytes: 158123456, missing: 0, errors: 0}
folders:
  description: The same counts per folder pair, with C(source), C(destination), C(created), C(unchanged).
  returned: always
  type: list
  elements: dict
errors:
  description: Per-message (or per-folder) errors, at most 500 listed (C(totals.errors) has the count).
  returned: always
  type: list
  elements: dict
  contains:
    folder:
      description: Source folder.
      type: str
    uid:
      description: Source UID.
      type: int
    key:
      description: Identity key of the message (read from the source when the run had not needed it).
      type: str
    message_id:
      description: The message's C(Message-ID) header on the source, when it has one (for finding it in a client).
      type: str
    size:
      description: Size in bytes.
      type: int
    message:
      description: What went wrong, with the server's words.
      type: str
over_quota:
  description:
    - Messages the destination refused because the mailbox is full (the RFC 5530 C(OVERQUOTA) answer of Dovecot
      and Mailcow), and their size. Each one is also in RV(errors). Raise the mailbox's quota and run again;
      what was copied is not copied twice. The C(sync) role does this itself, within C(mailwave_quota_max).
  returned: always
  type: dict
  contains:
    messages:
      description: Messages refused for the quota.
      type: int
    bytes:
      description: Their size in bytes.
      type: int
  sample: {messages: 0, bytes: 0}
paused:
  description:
    - Set when the copy paused at the source's day limit (see O(max_bytes_per_day)), else null. The messages
      not copied yet are counted in C(totals.missing), not as errors; the module does not fail.
    - In check mode, set when a real run would pause (C(predicted) true).
  returned: always
  type: dict
  contains:
    by:
      description: C(day_limit) (O(max_bytes_per_day)) or C(provider) (the source refused downloads or asked to wait).
      type: str
    reason:
      description: Why, with the server's words.
      type: str
    resume_after:
      description: UTC time (ISO 8601) after which a run goes on.
      type: str
    downloaded_24h:
      description: Bytes downloaded from the source account in the last 24 hours.
      type: int
  sample:
    by: day_limit
    reason: the source account's download limit (max_bytes_per_day, 2500 MB in 24 hours) is reached
    resume_after: '2026-12-04T09:12:00Z'
    downloaded_24h: 2499000000
renamed_folders:
  description: Folders whose name could not exist on the destination and were renamed, with the reason.
  returned: always
  type: list
  elements: dict
excluded_folders:
  description: Source folders left out by the selection options or the provider preset.
  returned: always
  type: list
  elements: str
automapped_folders:
  description: Special-use folders mapped by O(automap).
  returned: always
  type: list
  elements: dict
rewritten_folders:
  description: Destination folders whose name O(regextrans2) changed.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: Source folder.
      type: str
    before:
      description: The destination name before O(regextrans2).
      type: str
    destination:
      description: The destination name it gave.
      type: str
created_folders:
  description: Destination folders created (to be created in check mode).
  returned: always
  type: list
  elements: str
subscribed_folders:
  description: Destination folders subscribed (to be subscribed in check mode).
  returned: always
  type: list
  elements: str
warnings_list:
  description: Non-fatal remarks (folder plan warnings, failed subscriptions).
  returned: always
  type: list
  elements: str
elapsed:
  description: Seconds the run took.
  returned: always
  type: float
bytes_per_second:
  description: Average copy throughput of the run.
  returned: always
  type: int
messages_per_second:
  description: Average copy rate of the run.
  returned: always
  type: float
reconnections:
  description: Connections re-opened after a drop or a refused command.
  returned: always
  type: int
connections:
  description: Parallel workers used.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import (
    check_sync_options,
    endpoint_argument,
    engine_options,
    sync_options_spec,
)

try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint, ImapError
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.engine import SyncEngine
    IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover
    IMPORT_ERROR = exc


def _diff(result):
    before, after = [], []
    for folder in result["folders"]:
        name = folder["destination"]
        if not folder["created"]:
            before.append("%s: %d messages" % (name, folder["destination_messages_before"]))
        after.append("%s: %d messages" % (name, folder["destination_messages_after"]))
    return {"before": "\n".join(before) + "\n", "after": "\n".join(after) + "\n",
            "before_header": "destination", "after_header": "destination"}


def main():
    module = AnsibleModule(
        argument_spec=dict(source=endpoint_argument(), destination=endpoint_argument(), **sync_options_spec()),
        supports_check_mode=True,
    )
    if IMPORT_ERROR is not None:
        module.fail_json(msg="cannot load the IMAP engine: %s" % IMPORT_ERROR)
    params = module.params
    problems = check_sync_options(params)
    if problems:
        module.fail_json(msg="; ".join(problems), problems=problems)
    options = engine_options(params)
    try:
        source = Endpoint.from_params(params["source"], role="source")
        destination = Endpoint.from_params(params["destination"], role="destination")
        result = SyncEngine(source, destination, options, check_mode=module.check_mode).run()
    except ImapError as exc:
        module.fail_json(msg=str(exc), error_kind=exc.kind)
    except Exception as exc:  # noqa: BLE001 - the boundary: a clear message instead of a traceback
        text = str(exc)
        for side in ("source", "destination"):
            for key in ("password", "oauth2_token"):
                secret = (params[side] or {}).get(key)
                if secret:
                    text = text.replace(secret, "********")
        module.fail_json(msg="imap_sync failed unexpectedly: %s: %s" % (type(exc).__name__, text))
    result["warnings_list"] = result.pop("warnings")
    if module._diff:
        result["diff"] = _diff(result)
    if result["paused"] and not result["totals"]["errors"]:
        # not a failure: the provider's day limit; a later run goes on (the report says "paused by the provider")
        module.exit_json(msg=result["verdict"], **result)
    if not result["complete"]:
        totals = result["totals"]
        module.fail_json(msg="%s (copied %s, already there %s, missing %s, errors %s)"
                         % (result["verdict"], totals["copied"], totals["skipped"], totals["missing"],
                            totals["errors"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
