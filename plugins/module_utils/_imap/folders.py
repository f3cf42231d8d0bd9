# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""IMAP folders: listing (LIST, LSUB, NAMESPACE), modified UTF-7 names, and the source -> destination plan.

``list_folders(client)`` returns a ``FolderListing``. ``plan(source_listing, destination_listing, ...)``
decides, for every selectable source folder, the full destination folder name, following imapsync's
folder options (anchors 1.2) with these rules, applied in this order:

1. Selection. ``include`` / ``exclude`` are lists of regular expressions searched (``re.search``, not
   anchored, like imapsync's ``--include`` / ``--exclude``) in the source folder's full decoded name.
   A folder is kept if it matches one of ``include`` (or ``include`` is empty), then dropped if it matches
   one of ``exclude``. ``exclude_special_use`` drops folders with those RFC 6154 roles (the Gmail preset
   drops ``\\All`` and ``\\Important``: their messages are copies of the other labels). ``\\Noselect`` and
   ``\\NonExistent`` folders are never copied themselves; their children are.
2. ``folder_map`` ({source full name: destination full name}) wins over everything else, like
   imapsync's ``--f1f2``: the destination name is used as given (it is not moved under ``subfolder``).
3. ``automap`` maps the source's special-use folders onto the destination's: the role of a folder is its
   RFC 6154 flag, else a guess from its name (``SPECIAL_USE_NAMES``, localised names as data). The target
   is the destination folder with that flag, else one whose name guesses the role, else the standard name
   (``STANDARD_NAMES``, e.g. "Sent") under the destination prefix. One source folder per role is
   automapped (the flagged one first). Like imapsync, an automapped folder is not moved under
   ``subfolder``. Automap never merges two source folders: when another source folder already goes to
   the target by its own name, the automap is skipped and a warning says so.
4. Otherwise the name is translated: the source namespace prefix (e.g. ``INBOX.`` on Courier) is removed,
   ``strip_prefixes`` (e.g. ``[Gmail]/``) are removed, the path is split on the source separator and joined
   with the destination separator under the destination prefix. ``INBOX`` (any case) is ``INBOX``. A
   child of INBOX (``INBOX/Newsletters`` on Dovecot) goes to the same child of the destination's INBOX:
   where the destination's personal namespace is INBOX itself (prefix ``INBOX.`` on Cyrus and Courier),
   that is ``INBOX.Newsletters``, not ``INBOX.INBOX.Newsletters`` (without ``subfolder``).
5. ``subfolder`` puts the translated tree under that folder like imapsync's ``--subfolder2``: ``INBOX``
   becomes ``<subfolder>/INBOX`` too (imapsync does the same), so nothing is merged with the new INBOX.
6. ``regextrans2`` ([{"regex", "replace"}], imapsync's ``--regextrans2``) rewrites, rule after rule, the
   full destination name of rules 4 and 5 (destination prefix and separator, ``subfolder`` included), as
   imapsync applies its regextrans2 after the prefix and separator inversion and after the rules its
   ``--subfolder2`` adds first. Like imapsync, it does not touch a ``folder_map`` or ``automap`` target.
   Python ``re.sub`` semantics (every match replaced, ``\\1`` / ``\\g<name>`` in the replacement; a Perl
   ``$1`` is refused, see ``regextrans2_problems``). The separator of the result is the hierarchy.
7. A path component that cannot exist on the destination (it contains the destination separator, e.g.
   "a.b" where "." is the separator, or it is empty) gets each offending character replaced with
   ``_`` ("a_b"); if that name is taken, ``_2``, ``_3``... is appended. The folder is reported in
   ``renamed`` with the reason, never dropped.
8. Two source folders must never end in one destination folder: such a plan raises ``FolderPlanError``
   naming both and saying how to fix it (``folder_map`` or ``folders_exclude``).
"""

from __future__ import annotations

import re

import imaplib

try:
    import imapclient
    from imapclient import imap_utf7, response_parser
    HAS_IMAPCLIENT = True
except ImportError:  # pragma: no cover - the modules report the missing library
    imapclient = imap_utf7 = response_parser = None
    HAS_IMAPCLIENT = False

# RFC 6154 special-use roles (plus RFC 8457 \Important, used by Gmail).
SPECIAL_USE_FLAGS = ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important")

# Names given to a role's folder on a destination that has none yet (Dovecot / Mailcow defaults).
STANDARD_NAMES = {
    "\\Sent": "Sent",
    "\\Drafts": "Drafts",
    "\\Trash": "Trash",
    "\\Junk": "Junk",
    "\\Archive": "Archive",
    "\\All": "All Mail",
    "\\Flagged": "Flagged",
    "\\Important": "Important",
}

# Localised names that guess a folder's role when the server does not say (compared case-insensitively
# to the folder's name without namespace prefix and without an INBOX / [Gmail] / [Google Mail] parent).
# Order matters: earlier names are preferred when several folders guess the same role.
SPECIAL_USE_NAMES = {
    "\\Sent": [
        "Sent", "Sent Items", "Sent Messages", "Sent Mail", "Sent-Mail", "Sent Objects", "Envoyés",
        "Éléments envoyés", "Messages envoyés", "Courrier envoyé", "Envoyé", "Gesendet", "Gesendete Elemente",
        "Gesendete Objekte", "Gesendete Nachrichten", "Elementos enviados", "Enviados", "Mensajes enviados",
        "Posta inviata", "Inviati", "Elementi inviati", "Verzonden", "Verzonden items", "Itens enviados",
        "Mensagens enviadas", "Skickat", "Skickade objekt", "Sendt", "Sendte elementer", "Sendt post",
        "Lähetetyt", "Lähetetyt kohteet", "Wysłane", "Elementy wysłane", "Odeslané", "Odoslané",
        "Отправленные", "Gönderilmiş Öğeler", "Outbox",
    ],
    "\\Drafts": [
        "Drafts", "Draft", "Brouillons", "Brouillon", "Entwürfe", "Borradores", "Bozze", "Concepten",
        "Rascunhos", "Utkast", "Kladder", "Luonnokset", "Kopie robocze", "Koncepty", "Черновики", "Taslaklar",
    ],
    "\\Trash": [
        "Trash", "Deleted Items", "Deleted Messages", "Deleted", "Bin", "Corbeille", "Éléments supprimés",
        "Messages supprimés", "Papierkorb", "Gelöschte Elemente", "Gelöschte Objekte", "Papelera",
        "Elementos eliminados", "Cestino", "Posta eliminata", "Elementi eliminati", "Prullenbak",
        "Verwijderde items", "Lixeira", "Lixo", "Itens excluídos", "Papperskorgen", "Borttagna objekt",
        "Papirkurv", "Slettede elementer", "Roskakori", "Kosz", "Elementy usunięte", "Koš", "Корзина",
        "Удаленные", "Çöp Kutusu",
    ],
    "\\Junk": [
        "Junk", "Spam", "Junk E-mail", "Junk Email", "Junk Mail", "Bulk Mail", "Courrier indésirable",
        "Courriers indésirables", "Pourriel", "Indésirables", "Junk-E-Mail", "Unerwünscht", "Correo no deseado",
        "Posta indesiderata", "Ongewenste e-mail", "Lixo eletrônico", "Skräppost", "Uønsket e-post",
        "Roskaposti", "Wiadomości-śmieci", "Nevyžádaná pošta", "Спам", "Önemsiz E-posta",
    ],
    "\\Archive": ["Archive", "Archives", "Archiv", "Archivo", "Archivio", "Archief", "Arquivo", "Arkiv",
                  "Arkisto", "Archiwum", "Архив"],
    "\\All": ["All Mail", "Tous les messages", "Alle Nachrichten", "Todos", "Tutti i messaggi", "Alle berichten"],
    "\\Flagged": ["Flagged", "Starred", "Suivis", "Markiert", "Destacados", "Speciali", "Met ster"],
    "\\Important": ["Important", "Wichtig", "Importante", "Belangrijk"],
}

_GUESS_PARENTS = ("inbox", "[gmail]", "[google mail]")
_UNSELECTABLE = ("\\noselect", "\\nonexistent")


class FolderPlanError(ValueError):
    """The plan cannot be made safely (e.g. two source folders would land in one destination folder)."""


def encode(name):
    """Folder name (str) -> modified UTF-7 bytes as sent on the wire (RFC 3501 5.1.3)."""
    if isinstance(name, bytes):
        return name
    return imap_utf7.encode(name)


def decode(raw):
    """Modified UTF-7 bytes (or str) from the wire -> folder name (str). Already decoded str is kept."""
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, bytes):
        return imap_utf7.decode(raw)
    if isinstance(raw, str) and "&" in raw:
        # A str that still holds modified UTF-7 (a client with folder_encode=False decoded as latin-1).
        try:
            return imap_utf7.decode(raw.encode("ascii"))
        except (UnicodeError, ValueError):
            return raw
    return raw


def _text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class Folder:
    """One folder as the server lists it."""

    def __init__(self, name, delimiter="/", flags=(), subscribed=None):
        self.name = name
        self.delimiter = delimiter
        self.flags = tuple(_text(f) for f in flags)
        self.subscribed = subscribed

    @property
    def selectable(self):
        return not any(f.lower() in _UNSELECTABLE for f in self.flags)

    @property
    def special_use(self):
        """The RFC 6154 role the server gives this folder (e.g. ``\\Sent``), or None."""
        lowered = {f.lower(): f for f in self.flags}
        for flag in SPECIAL_USE_FLAGS:
            if flag.lower() in lowered:
                return flag
        return None

    def as_dict(self):
        return {"name": self.name, "delimiter": self.delimiter, "flags": list(self.flags),
                "special_use": self.special_use, "selectable": self.selectable, "subscribed": self.subscribed}

    def __repr__(self):
        return "Folder(%r, %r, %r)" % (self.name, self.delimiter, self.flags)


class FolderListing:
    """Every folder of one account, with the hierarchy separator and the personal namespace prefix."""

    def __init__(self, folders, delimiter="/", prefix="", special_use_capability=False):
        self.folders = list(folders)
        self.delimiter = delimiter
        self.prefix = prefix or ""
        self.special_use_capability = special_use_capability
        self._by_name = {f.name: f for f in self.folders}

    @classmethod
    def from_names(cls, names, delimiter="/", prefix="", special=None, noselect=(), subscribed=None):
        """Build a listing by hand (tests, or a destination about to be created).

        ``special`` maps folder name -> RFC 6154 flag; ``noselect`` lists \\Noselect folders.
        """
        special = special or {}
        folders = []
        for name in names:
            flags = []
            if name in special:
                flags.append(special[name])
            if name in noselect:
                flags.append("\\Noselect")
            folders.append(Folder(name, delimiter, flags,
                                  None if subscribed is None else name in subscribed))
        return cls(folders, delimiter=delimiter, prefix=prefix, special_use_capability=bool(special))

    def get(self, name):
        return self._by_name.get(name)

    def names(self):
        return [f.name for f in self.folders]

    def __contains__(self, name):
        """A folder by that name exists and can be SELECTed. A \\Noselect or \\NonExistent entry (the parent
        of ``Archives/2019`` on Dovecot or Courier before ``Archives`` itself is created) does not count:
        a source folder going there (Cyrus makes parents real folders) must still be CREATEd."""
        folder = self._by_name.get(name)
        return folder is not None and folder.selectable

    def __iter__(self):
        return iter(self.folders)

    def __len__(self):
        return len(self.folders)

    def selectable(self):
        return [f for f in self.folders if f.selectable]

    def special_use_map(self):
        """{role: folder name} from the server's flags only (first folder per role)."""
        result = {}
        for folder in self.folders:
            role = folder.special_use
            if role and role not in result:
                result[role] = folder.name
        return result

    def role_of(self, folder):
        """(role, how) for a folder: ('\\Sent', 'flag') / ('\\Sent', 'name') / (None, None)."""
        if isinstance(folder, str):
            folder = self.get(folder) or Folder(folder, self.delimiter)
        if folder.special_use:
            return folder.special_use, "flag"
        role = guess_role(self.relative(folder.name), self.delimiter)
        return (role, "name") if role else (None, None)

    def find_role(self, role):
        """Name of this account's folder for a role: the flagged one, else the best name guess, else None."""
        for folder in self.folders:
            if folder.special_use == role and folder.selectable:
                return folder.name
        best = None
        for folder in self.folders:
            if not folder.selectable or folder.special_use:
                continue
            rank = _guess_rank(self.relative(folder.name), self.delimiter, role)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, folder.name)
        return best[1] if best else None

    def relative(self, name):
        """The name without the personal namespace prefix (``INBOX.Sent`` -> ``Sent`` on Courier)."""
        if self.prefix and name.upper() != "INBOX" and name.startswith(self.prefix):
            return name[len(self.prefix):]
        return name

    def as_dict(self):
        return {"delimiter": self.delimiter, "prefix": self.prefix,
                "folders": [f.as_dict() for f in self.folders]}


def _guess_key(relative_name, delimiter):
    parts = relative_name.split(delimiter) if delimiter else [relative_name]
    if len(parts) == 2 and parts[0].lower() in _GUESS_PARENTS:
        parts = parts[1:]
    if len(parts) != 1:
        return None
    return parts[0].strip().casefold()


_GUESS_INDEX = {}
for _role, _names in SPECIAL_USE_NAMES.items():
    for _rank, _name in enumerate(_names):
        _GUESS_INDEX.setdefault(_name.casefold(), (_role, _rank))


def guess_role(relative_name, delimiter="/"):
    """The special-use role a folder name suggests ("Éléments envoyés" -> ``\\Sent``), or None."""
    key = _guess_key(relative_name, delimiter)
    hit = _GUESS_INDEX.get(key) if key is not None else None
    return hit[0] if hit else None


def _guess_rank(relative_name, delimiter, role):
    key = _guess_key(relative_name, delimiter)
    hit = _GUESS_INDEX.get(key) if key is not None else None
    if hit and hit[0] == role:
        return hit[1]
    return None


def _pipelined_listing(client, with_namespace):
    """NAMESPACE, LIST "" "*" and LSUB "" "*" sent at once on imaplib's own tags (one round trip instead
    of three), parsed as imapclient parses them: (personal namespace or None, LIST, LSUB or None).

    NAMESPACE and LSUB are hints: their refusal gives None; a refused LIST raises."""
    imap = client._imap  # pylint: disable=protected-access
    names = (["NAMESPACE"] if with_namespace else []) + ["LIST", "LSUB"]
    tags = [(name, imap._command(name) if name == "NAMESPACE"  # pylint: disable=protected-access
             else imap._command(name, '""', '"*"')) for name in names]  # pylint: disable=protected-access
    answers = {}
    for name, tag in tags:
        try:
            typ, data = imap._command_complete(name, tag)  # pylint: disable=protected-access
        except imapclient.exceptions.IMAPClientAbortError:
            raise
        except imaplib.IMAP4.error as exc:  # BAD: read the other answers, then decide
            answers[name] = exc
            continue
        typ, data = imap._untagged_response(typ, data, name)  # pylint: disable=protected-access
        answers[name] = data if typ == "OK" else imaplib.IMAP4.error("%s command error: %s %s" % (name, typ, data))
    if isinstance(answers["LIST"], Exception):
        raise imapclient.exceptions.IMAPClientError(str(answers["LIST"]))
    personal = None
    if with_namespace and not isinstance(answers["NAMESPACE"], Exception):
        try:
            parsed = list(response_parser.parse_response([d for d in answers["NAMESPACE"] if d is not None]))
            personal = parsed[0] if parsed and parsed[0] else None
        except Exception:  # noqa: BLE001 - NAMESPACE is a hint; LIST is what counts
            personal = None
        if personal:
            personal = [(decode(prefix) if client.folder_encode else prefix, _text(sep)) for prefix, sep in personal]
    raw = client._proc_folder_list(answers["LIST"])  # pylint: disable=protected-access
    lsub = None
    if not isinstance(answers["LSUB"], Exception):
        lsub = client._proc_folder_list(answers["LSUB"])  # pylint: disable=protected-access
    return personal, raw, lsub


def list_folders(client):
    """LIST "" "*" (+ NAMESPACE and LSUB when cheap) -> FolderListing with decoded names."""
    caps = set(client.capabilities() or ())
    prefix, ns_delim = "", None
    folder_encode = getattr(client, "folder_encode", True)
    if HAS_IMAPCLIENT and isinstance(client, imapclient.IMAPClient):
        personal, raw, lsub = _pipelined_listing(client, b"NAMESPACE" in caps)
    else:  # a stand-in client (unit tests): one call each
        personal = lsub = None
        if b"NAMESPACE" in caps:
            try:
                personal = client.namespace().personal
            except Exception:  # noqa: BLE001 - NAMESPACE is a hint; LIST below is what counts
                personal = None
        raw = client.list_folders("", "*")
        try:
            lsub = client.list_sub_folders("", "*")
        except Exception:  # noqa: BLE001 - LSUB is optional information
            lsub = None
    if personal:
        prefix = decode(personal[0][0]) or ""
        ns_delim = _text(personal[0][1])
    subscribed = None
    if lsub is not None:
        subscribed = {decode(n) if not folder_encode else _text(n) for _f, _d, n in lsub}
    folders = []
    delimiters = []
    for flags, delim, name in raw:
        name = _text(name) if folder_encode and not isinstance(name, bytes) else decode(name)
        delim = _text(delim)
        if delim:
            delimiters.append(delim)
        folders.append(Folder(name, delim, flags, None if subscribed is None else name in subscribed))
    _add_special_use(client, caps, folders)
    delimiter = ns_delim or (delimiters[0] if delimiters else None)
    if not prefix and delimiter and folders:
        # Courier-like servers without NAMESPACE: every folder but INBOX lives under "INBOX."
        others = [f.name for f in folders if f.name.upper() != "INBOX"]
        if others and all(n.upper().startswith("INBOX" + delimiter) for n in others) and b"NAMESPACE" not in caps:
            prefix = "INBOX" + delimiter
    return FolderListing(folders, delimiter=delimiter, prefix=prefix,
                         special_use_capability=b"SPECIAL-USE" in caps or b"XLIST" in caps)


def _add_special_use(client, caps, folders):
    """Servers that give RFC 6154 flags only on request: ask with LIST RETURN (SPECIAL-USE), or XLIST."""
    if any(f.special_use for f in folders) or not (b"SPECIAL-USE" in caps or b"XLIST" in caps):
        return
    try:
        if b"SPECIAL-USE" in caps:
            # imapclient has no public call for LIST-EXTENDED's RETURN option.
            imap = client._imap  # pylint: disable=protected-access
            typ, data = imap._simple_command("LIST", '""', '"*" RETURN (SPECIAL-USE)')  # pylint: disable=protected-access
            client._checkok("list", typ, data)  # pylint: disable=protected-access
            typ, data = imap._untagged_response(typ, data, "LIST")  # pylint: disable=protected-access
            extra = client._proc_folder_list(data)  # pylint: disable=protected-access
        else:
            extra = client.xlist_folders("", "*")
    except Exception:  # noqa: BLE001 - the flags are a bonus; automap falls back to names
        return
    by_name = {f.name: f for f in folders}
    for flags, _delim, name in extra:
        name = decode(name)
        folder = by_name.get(name)
        if folder is None:
            continue
        added = [_text(f) for f in flags if _text(f).lower() in {r.lower() for r in SPECIAL_USE_FLAGS}]
        if added:
            folder.flags = folder.flags + tuple(a for a in added if a not in folder.flags)


class FolderPlan:
    """The result of plan(): pairs to copy, renamed folders, excluded folders, warnings."""

    def __init__(self):
        self.pairs = []       # [(source full name, destination full name)]
        self.renamed = []     # [{"source", "destination", "reason"}]
        self.excluded = []    # [source full name]
        self.automapped = []  # [{"source", "destination", "role"}]
        self.rewritten = []   # [{"source", "before", "destination"}]: the names regextrans2 changed
        self.warnings = []    # [str]

    def destination_for(self, source_name):
        for src, dst in self.pairs:
            if src == source_name:
                return dst
        return None

    def as_dict(self):
        return {"pairs": [{"source": s, "destination": d} for s, d in self.pairs], "renamed": list(self.renamed),
                "excluded": list(self.excluded), "automapped": list(self.automapped), "rewritten": list(self.rewritten),
                "warnings": list(self.warnings)}


def _compile(patterns, what):
    if not patterns:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    result = []
    for pattern in patterns:
        try:
            result.append(re.compile(pattern))
        except re.error as exc:
            raise FolderPlanError("%s: %r is not a valid regular expression (%s)" % (what, pattern, exc))
    return result


# a Perl-style group reference in a replacement: Python's re.sub would write it as it is
_PERL_GROUP_RE = re.compile(r"\$(\d|\{|&)")


def compile_regextrans2(rules):
    """[(compiled regex, replacement)] from regextrans2's [{"regex", "replace"}]; FolderPlanError names a bad rule."""
    compiled = []
    for index, rule in enumerate(rules or ()):
        where = "regextrans2[%d]" % index
        if not isinstance(rule, dict) or not isinstance(rule.get("regex"), str) \
                or not isinstance(rule.get("replace"), str):
            raise FolderPlanError("%s must be a dict with a regex and a replace string, not %r" % (where, rule))
        pattern, replace = rule["regex"], rule["replace"]
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise FolderPlanError("%s: %r is not a valid regular expression (%s)" % (where, pattern, exc))
        perl = _PERL_GROUP_RE.search(replace)
        if perl:
            raise FolderPlanError("%s: the replace %r holds the Perl group reference %r; write \\1 or \\g<1> "
                                  "(Python's re.sub), or leave the $ out" % (where, replace, perl.group(0)))
        # expand the replacement once against an empty match with the same groups: a reference to a group
        # the regex lacks, or a bad escape, shows now and not in the middle of a run
        groups = [""] * regex.groups
        for name, number in regex.groupindex.items():
            groups[number - 1] = name
        probe = re.compile("".join("(?P<%s>)" % name if name else "()" for name in groups))
        try:
            probe.sub(replace, "", count=1)
        except (re.error, IndexError) as exc:
            raise FolderPlanError("%s: the replace %r does not fit the regex %r (%s)" % (where, replace, pattern, exc))
        compiled.append((regex, replace))
    return compiled


def regextrans2_problems(rules):
    """Why these regextrans2 rules cannot be used, as user-ready sentences (empty when fine)."""
    try:
        compile_regextrans2(rules)
    except FolderPlanError as exc:
        return [str(exc)]
    return []


def apply_regextrans2(name, compiled):
    """The destination name after every rule of compile_regextrans2(), in order (imapsync's regextrans2)."""
    for regex, replace in compiled:
        name = regex.sub(replace, name)
    return name


def _split(name, delimiter):
    return name.split(delimiter) if delimiter else [name]


def _legal_component(component, delimiter):
    """Return (legal component, reason or None)."""
    if component == "":
        return "_", "empty name component"
    if delimiter and delimiter in component:
        return (component.replace(delimiter, "_"),
                "%r contains the destination separator %r" % (component, delimiter))
    return component, None


def select(listing, include=None, exclude=None, exclude_special_use=None):
    """Rule 1 of the plan: (selected selectable Folder objects, excluded names), in listing order."""
    includes = _compile(include, "folders_include")
    excludes = _compile(exclude, "folders_exclude")
    skip_roles = {r.lower() for r in (exclude_special_use or ())}
    selected, excluded = [], []
    for folder in listing.folders:
        if not folder.selectable:
            continue
        name = folder.name
        if (includes and not any(rx.search(name) for rx in includes)) or any(rx.search(name) for rx in excludes):
            excluded.append(name)
            continue
        role = listing.role_of(folder)[0]
        if role and role.lower() in skip_roles:
            excluded.append(name)
            continue
        selected.append(folder)
    return selected, excluded


def plan(source, destination, *, include=None, exclude=None, folder_map=None, automap=False, subfolder=None,
         exclude_special_use=None, strip_prefixes=None, regextrans2=None, role_targets=None):
    """Decide the destination folder of every source folder (see the module docstring for the rules).

    ``source`` and ``destination`` are FolderListing objects (the destination's lists its current folders,
    its separator and prefix). ``role_targets`` ({source role: destination role}) sends automap's folders
    of a role to the destination's folder of another role (the Gmail preset: All Mail to the Archive).
    Raises FolderPlanError on bad input or an unsafe plan.
    """
    result = FolderPlan()
    rewrites = compile_regextrans2(regextrans2)
    folder_map = dict(folder_map or {})
    strip_prefixes = list(strip_prefixes or ())
    dst_delim = destination.delimiter
    src_delim = source.delimiter
    dst_prefix = destination.prefix
    # Cyrus/Courier: every personal folder is a child of INBOX, so "INBOX" + child is already the prefix
    inbox_is_prefix = bool(dst_delim) and dst_prefix.upper() == "INBOX" + dst_delim

    for key in folder_map:
        if source.get(key) is None:
            result.warnings.append("folder_map: the source has no folder %r; entry ignored" % key)

    # 1. selection
    selected, result.excluded = select(source, include=include, exclude=exclude,
                                       exclude_special_use=exclude_special_use)

    # 4./5./6. the natural (translated) name of each selected folder, as components
    def natural(folder):
        rel = source.relative(folder.name)
        if rel.upper() == "INBOX":
            parts = ["INBOX"]
        else:
            for strip in strip_prefixes:
                if rel.startswith(strip) and len(rel) > len(strip):
                    rel = rel[len(strip):]
                    break
            parts = _split(rel, src_delim)
            if parts and parts[0].upper() == "INBOX":
                parts[0] = "INBOX"
                if inbox_is_prefix and len(parts) > 1 and not subfolder:
                    parts = parts[1:]
        if subfolder:
            parts = _split(subfolder, dst_delim) + parts
        return parts

    def join(parts):
        joined = (dst_delim or "_").join(parts)
        if joined.upper() == "INBOX":
            return "INBOX"
        return dst_prefix + joined

    naturals = {}   # source name -> (destination name, [reasons])
    for folder in selected:
        parts = natural(folder)
        reasons = []
        legal = []
        if dst_delim is None and len(parts) > 1:
            reasons.append("the destination has no hierarchy; path joined with '_'")
        for part in parts:
            fixed, reason = _legal_component(part, dst_delim)
            legal.append(fixed)
            if reason:
                reasons.append(reason)
        name = join(legal)
        if rewrites:
            rewritten = _rewritten(folder.name, name, rewrites, dst_delim)
            if rewritten != name:
                result.rewritten.append({"source": folder.name, "before": name, "destination": rewritten})
            name = rewritten
        naturals[folder.name] = (name, reasons)

    # 2. explicit map and 3. automap
    explicit = {}
    for folder in selected:
        if folder.name in folder_map:
            target = folder_map[folder.name]
            if not isinstance(target, str) or not target:
                raise FolderPlanError("folder_map: the destination of %r must be a non-empty folder name" % folder.name)
            explicit[folder.name] = target

    auto = {}
    if automap:
        by_role = {}
        for folder in selected:
            if folder.name in explicit:
                continue
            role, how = source.role_of(folder)
            if not role:
                continue
            rank = (0, 0) if how == "flag" else (1, _guess_rank(source.relative(folder.name), src_delim, role) or 0)
            if role not in by_role or rank < by_role[role][0]:
                by_role[role] = (rank, folder)
        natural_targets = {}
        for name, (dst, _r) in naturals.items():
            natural_targets.setdefault(_fold(dst), []).append(name)
        role_targets = dict(role_targets or {})
        # a folder of the target role itself goes first: All Mail does not push a real Archive aside
        for role, (_rank, folder) in sorted(by_role.items(), key=lambda item: (item[0] in role_targets, item[0])):
            wanted = role_targets.get(role, role)
            target = destination.find_role(wanted) or join([STANDARD_NAMES.get(wanted, wanted.lstrip("\\"))])
            others = [n for n in natural_targets.get(_fold(target), []) if n != folder.name]
            others += [n for n, t in explicit.items() if _fold(t) == _fold(target)]
            others += [n for n, (t, _r) in auto.items() if _fold(t) == _fold(target)]
            if others:
                result.warnings.append(
                    "automap: %r not mapped to %r because the source folder %r already goes there; "
                    "use folder_map to merge or rename explicitly" % (folder.name, target, others[0]))
                continue
            auto[folder.name] = (target, role)

    # collect, resolve illegal-name collisions, detect real collisions
    final = {}
    for folder in selected:
        if folder.name in explicit:
            final[folder.name] = (explicit[folder.name], "explicit", [])
        elif folder.name in auto:
            final[folder.name] = (auto[folder.name][0], "automap", [])
        else:
            dst, reasons = naturals[folder.name]
            final[folder.name] = (dst, "renamed" if reasons else "natural", reasons)

    taken = {}
    for name, (dst, how, _r) in final.items():
        if how != "renamed":
            if _fold(dst) in taken:
                raise FolderPlanError(
                    "the source folders %r and %r would both go to the destination folder %r; map one of them "
                    "elsewhere with folder_map or leave one out with folders_exclude"
                    % (taken[_fold(dst)], name, dst))
            taken[_fold(dst)] = name
    for name, (dst, how, reasons) in final.items():
        if how != "renamed":
            continue
        candidate, n = dst, 1
        while _fold(candidate) in taken:
            n += 1
            candidate = "%s_%d" % (dst, n)
        if candidate != dst:
            reasons = reasons + ["%r is taken" % dst]
        taken[_fold(candidate)] = name
        final[name] = (candidate, how, reasons)
        result.renamed.append({"source": name, "destination": candidate, "reason": "; ".join(reasons)})

    for folder in selected:
        dst, how, _r = final[folder.name]
        result.pairs.append((folder.name, dst))
        if how == "automap":
            result.automapped.append({"source": folder.name, "destination": dst, "role": auto[folder.name][1]})
    return result


def _rewritten(source_name, name, rewrites, delimiter):
    """Rule 6: regextrans2 on a natural destination name; FolderPlanError when no folder can have the result."""
    new = apply_regextrans2(name, rewrites)
    parts = _split(new, delimiter)
    if not new or "" in parts:
        raise FolderPlanError("regextrans2 turned the destination %r of the source folder %r into %r, which is not a "
                              "folder name (an empty level)" % (name, source_name, new))
    return "INBOX" if new.upper() == "INBOX" else new


def _fold(name):
    """Comparison key of a destination name: INBOX is case-insensitive (RFC 3501), the rest is not."""
    return "INBOX" if name.upper() == "INBOX" else name
