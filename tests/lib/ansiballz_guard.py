"""Run a module with only the module_utils that Ansible's packager (AnsiballZ) would ship with it.

AnsiballZ finds a module's module_utils by reading its import statements (and theirs, recursively);
anything loaded another way (importlib, __import__ of a computed name) is simply not in the zip that
runs on the target, and fails there with ImportError. Tests run modules unpackaged, so this guard
refuses, in the module's process, every collection module_util outside that static closure: a test
then fails the same way a real playbook would.
"""
from __future__ import annotations

import ast
import importlib.abc
import os
import runpy
import sys

from tests.lib.collection import REPO

PREFIX = "ansible_collections.mailwave.migrate.plugins.module_utils"


def _file_of(dotted: str):
    rel = dotted.split(".")[3:]  # drop ansible_collections.mailwave.migrate
    base = REPO.joinpath(*rel)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update("%s.%s" % (node.module, alias.name) for alias in node.names)
    return found


def static_closure(module_path) -> set[str]:
    """Dotted names of the collection's module_utils files reachable by import statements."""
    seen, todo = set(), [module_path]
    while todo:
        for name in _imports(todo.pop()):
            if name.startswith(PREFIX + ".") and name not in seen:
                path = _file_of(name)
                if path is not None:
                    seen.add(name)
                    todo.append(path)
    return seen


class _Guard(importlib.abc.MetaPathFinder):
    def __init__(self, allowed):
        self.allowed = allowed

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(PREFIX + ".") and _file_of(fullname) is not None and fullname not in self.allowed:
            raise ImportError("%s would not be shipped by AnsiballZ: no import statement reaches it "
                              "(it is loaded dynamically)" % fullname)
        return None


def main():
    module = sys.argv[1]
    del sys.argv[1]
    module_path = REPO.joinpath("plugins", "modules", module.rsplit(".", 1)[-1] + ".py")
    sys.meta_path.insert(0, _Guard(static_closure(module_path)))
    os.environ.pop("PYTHONSAFEPATH", None)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
