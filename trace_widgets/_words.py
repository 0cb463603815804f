"""Messages worded in content by id: an error carries a UI text id and its values, ``str()``
words it. The package writes no sentence a learner, rater, coach or CLI user reads."""

from __future__ import annotations

from typing import Any

__all__ = ["WordedError", "say"]


def say(text_id: str, /, **values: object) -> str:
    """The UI text ``text_id`` of the content in use, filled in with ``values``.

    Falls back to the bundled content when the content in use cannot be loaded (the error
    being worded may be why), and to the id and its values when neither has the text, so a
    message is never lost: a test keeps every id the package raises with in the content.

    Examples
    --------
    >>> say("store.error.workshop_not_found")
    'We could not find that workshop.'
    >>> say("no.such.text", code="K7MQ4P")
    "no.such.text (code='K7MQ4P')"
    """
    from . import content  # noqa: PLC0415 - content imports the modules that raise these

    for texts in (content.get, _bundled):
        try:
            return texts().text(text_id, **values)
        except Exception:  # noqa: BLE001, S112 - broken content: try the next, then the id
            continue
    shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
    return f"{text_id} ({shown})" if shown else text_id


def _bundled() -> Any:
    from . import content  # noqa: PLC0415

    return content._cached(None, None)  # the bundled content, loaded once


class WordedError(Exception):
    """An error whose message is a UI text by id: ``WordedError("store.error.x", code=c)``.

    ``args`` is ``(text_id,)``; :attr:`text_id` and :attr:`values` say what to word, and
    ``str()`` words it with the content in use when it is shown.
    """

    default_text_id = "error.generic"

    def __init__(self, text_id: str | None = None, /, **values: object) -> None:
        self.text_id = text_id or self.default_text_id
        self.values = values
        super().__init__(self.text_id)

    def __str__(self) -> str:
        return say(self.text_id, **self.values)
