"""The guided journey: start, the four spaces, and the plan, in one page or one per notebook."""

from ._app import STEPS, Journey, prepare, step
from ._session import Session

__all__ = ["STEPS", "Journey", "Session", "prepare", "step"]
