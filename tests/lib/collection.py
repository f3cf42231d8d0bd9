"""Where the collection lives for tests: a symlink .build/collections/ansible_collections/mailwave/migrate
pointing at the checkout, so that `ansible_collections.mailwave.migrate` imports and FQCNs resolve."""
from __future__ import annotations

import os
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = REPO / ".build" / "collections"
LINK = COLLECTIONS_PATH / "ansible_collections" / "mailwave" / "migrate"


def ensure_collection_link() -> pathlib.Path:
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if not LINK.is_symlink():
        try:
            os.symlink(REPO, LINK)
        except FileExistsError:  # another test process made it first
            pass
    return COLLECTIONS_PATH
