"""The store's base error, apart from :mod:`store` so its engine and export modules raise it too."""

from __future__ import annotations

from ._words import WordedError

__all__ = ["StoreError"]


class StoreError(WordedError):
    """The store cannot do what was asked, plainly enough to show a learner: the error
    carries a UI text id and its values (``store.error.*``), ``str()`` words it."""
