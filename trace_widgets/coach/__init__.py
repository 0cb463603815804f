"""Coach mode: open a workshop, watch the group's anonymised results live, close it."""

from ._dashboard import REFRESH_SECONDS, Dashboard, Rendered, workshop_summary
from ._forms import NewWorkshopForm, OpenDashboardForm
from ._page import CoachPage, coach_page

__all__ = [
    "REFRESH_SECONDS",
    "CoachPage",
    "Dashboard",
    "NewWorkshopForm",
    "OpenDashboardForm",
    "Rendered",
    "coach_page",
    "workshop_summary",
]
