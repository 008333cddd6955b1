"""Where the modules of version 0.1 live now, so that their imports keep working.

Version 0.2 put the modules into subpackages by layer (``core``, ``transforms``,
``check``, ``nn``, ``vectorize``, ``cli``). ``import autograd_scalar.engine``
and ``from autograd_scalar.losses import mse`` still work: a finder on
``sys.meta_path`` answers each old name with the new module, imported on first
use (so ``autograd_scalar.vectorize``'s NumPy is still only needed when used).
New code should import from the new places, listed in :data:`MOVED`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["MOVED", "install"]

#: Old module name (under ``autograd_scalar``) -> the module that replaces it.
MOVED = {
    "engine": "core",
    "rules": "core.rules",
    "errors": "core.errors",
    "functions": "core.functions",
    "custom": "core.extend",
    "forward": "transforms.forward",
    "functional": "transforms.functional",
    "gradcheck": "check.gradcheck",
    "testing": "check.strategies",
    "losses": "nn.losses",
    "optim": "nn.optim",
    "train": "nn.train",
    "datasets": "nn.datasets",
    "graph_cli": "cli.graph",
    "demo": "cli.demo",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``autograd_scalar.<old>`` and loads it as the module that replaced it."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        prefix, _, old = fullname.rpartition(".")
        if prefix != self.package or old not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        old = spec.name.rpartition(".")[2]
        module = importlib.import_module(f"{self.package}.{MOVED[old]}")
        spec.loader_state = module.__spec__  # the import system overwrites it: put it back
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module ran under its own name); restore its own spec."""
        spec = module.__spec__
        if spec is not None and isinstance(spec.loader_state, importlib.machinery.ModuleSpec):
            module.__spec__ = spec.loader_state


def install(package: str) -> None:
    """Put the finder for ``package``'s old module names on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Alias) and f.package == package for f in sys.meta_path):
        sys.meta_path.append(_Alias(package))
