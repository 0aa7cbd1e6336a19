"""The constraint families: each rule of the model, written once.

A family is one object (a class in its own module of this package, registered with
``@register``) that knows everything about one rule:

- ``emit(b)`` writes its rows (and slack columns) into the array model of ``b`` over the
  generic (item, rep) pairs, for the per-unit model and the class model alike;
- ``tracker(state)`` keeps the rule's running totals on a plan of units, for the repair and
  local search of the scale method (``delta`` of a move or swap, ``move``);
- ``check(state)`` evaluates a finished plan in exact arithmetic and returns its
  ``Violation``\\s (the final verification of every plan, whatever the method);
- ``explain(...)`` words a bent row of the elastic re-solve for an impossible ask.

Adding a family is adding one module here (see docs/model.md, "Adding a family"): every
method builds, checks and explains with ``active_families(cfg)``, and a test fails if a
family does not emit or check in some method.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Build, Family, Tracker, Violation, register, registry

__all__ = ["Build", "Family", "Tracker", "Violation", "active_families", "all_families", "register"]

_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
            if mod != "base":
                importlib.import_module(f"{__name__}.{mod}")
        _loaded = True


def all_families() -> list[type[Family]]:
    """Every registered family class, in build order."""
    _load()
    return sorted(registry.values(), key=lambda f: (f.order, f.name))


def active_families(cfg, drop: frozenset[str] = frozenset()) -> list[Family]:  # type: ignore[no-untyped-def]
    """The family objects a plan with ``cfg`` is built, checked and explained with.

    ``drop`` leaves out families by name (``measure_balance``) or key
    (``measure_balance[potential]``); the tests use it to show that each one matters.
    """
    out = []
    for cls in all_families():
        for fam in cls.instances(cfg):
            if fam.name not in drop and fam.key not in drop:
                out.append(fam)
    return out
