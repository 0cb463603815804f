"""The exercises a learner works through: each a plain state and a thin widget view.

Every view takes ``save``, a sink that keeps a list of answers and raises if it could not,
and shows whether the answers were saved. Every state gives its answers as checked rows.
"""

from ._save import ManualScheduler, Save, Saver, Scheduler, loop_scheduler
from ._text import TextField
from .action_plan import ActionPlanState, ActionPlanView, action_plan_view, plan_markdown
from .explorer import ExplorerState, ExplorerView, explorer_html, explorer_view
from .priorities import PrioritiesState, PrioritiesView, priorities_view
from .rating import RatingState, RatingView, rating_view, space_rating_view
from .reflection import ReflectionState, ReflectionView, reflection_view

__all__ = [
    "ActionPlanState",
    "ActionPlanView",
    "ExplorerState",
    "ExplorerView",
    "ManualScheduler",
    "PrioritiesState",
    "PrioritiesView",
    "RatingState",
    "RatingView",
    "ReflectionState",
    "ReflectionView",
    "Save",
    "Saver",
    "Scheduler",
    "TextField",
    "action_plan_view",
    "explorer_html",
    "explorer_view",
    "loop_scheduler",
    "plan_markdown",
    "priorities_view",
    "rating_view",
    "reflection_view",
    "space_rating_view",
]
