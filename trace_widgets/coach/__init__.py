"""Coach mode: open a workshop, watch the group's anonymised results live, close it."""

from ._dashboard import REFRESH_SECONDS, Dashboard, Rendered, download_link, workshop_summary
from ._forms import NewWorkshopForm, OpenDashboardForm
from ._page import CoachPage, coach_page
from ._render import comments_html, grid_html, highlights_html, progress_text

__all__ = [
    "REFRESH_SECONDS",
    "CoachPage",
    "Dashboard",
    "NewWorkshopForm",
    "OpenDashboardForm",
    "Rendered",
    "coach_page",
    "comments_html",
    "download_link",
    "grid_html",
    "highlights_html",
    "progress_text",
    "workshop_summary",
]
