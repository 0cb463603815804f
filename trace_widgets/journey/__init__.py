"""The guided journey: the steps of a journey definition (``data/journeys/*.yaml``), in one
page or one per notebook."""

from ._app import Journey, prepare, step
from ._session import Session

__all__ = ["Journey", "Session", "prepare", "step"]
