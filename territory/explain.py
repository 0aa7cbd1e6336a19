"""Infeasible asks, explained in the user's terms (see ``territory.model.explain``)."""

from __future__ import annotations

from .model.explain import explain_pool

__all__ = ["explain_pool"]
