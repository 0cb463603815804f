"""Who sees what of a participant's answers, per role: the claims each consent text makes.

A participant is in one of four roles; each role's consent text is the list of claims in
:data:`CLAIMS` (content ids), and ``tests/unit/test_consent.py`` checks every claim against
where that role's answers really appear (the dashboard, the CSV, the group report, exports).

Examples
--------
>>> role_of(None)
'solo'
>>> CLAIMS["leader"][1]
'privacy.claim.leader_shown'
"""

from __future__ import annotations

from collections.abc import Mapping

from . import content as content_mod
from .group import LEADER, MEMBER
from .store import Workshop

__all__ = ["CLAIMS", "ROLES", "consent_claims", "role_of"]

ROLES = ("solo", "cohort", MEMBER, LEADER)
"""A learner alone, a cohort workshop's participant, a team's member, a team's leader."""

CLAIMS: Mapping[str, tuple[str, ...]] = {
    "solo": ("privacy.claim.own_private", "privacy.claim.operator"),
    "cohort": ("privacy.claim.group_only", "privacy.claim.own_hidden",
               "privacy.claim.reflections", "privacy.claim.operator"),
    MEMBER: ("privacy.claim.group_only", "privacy.claim.own_hidden",
               "privacy.claim.members_average", "privacy.claim.reflections",
               "privacy.claim.operator"),
    LEADER: ("privacy.claim.group_only", "privacy.claim.leader_shown",
               "privacy.claim.reflections", "privacy.claim.operator"),
}
"""The content ids of what each role's consent says about who sees their answers."""


def role_of(workshop: Workshop | None, *, leader: bool = False) -> str:
    """The privacy role of someone joining ``workshop`` (None: on their own).

    Examples
    --------
    >>> from trace_widgets.store import Workshop
    >>> import datetime as dt
    >>> w = Workshop("K7MQ4P", "Day", "team", ("team",), "h", dt.datetime.now(), None)
    >>> role_of(w), role_of(w, leader=True)
    ('member', 'leader')
    """
    if workshop is None:
        return "solo"
    if workshop.kind != "team":
        return "cohort"
    return LEADER if leader else MEMBER


def consent_claims(role: str, *, k: int, comment_k: int,
                   content: content_mod.Content | None = None) -> tuple[str, ...]:
    """The texts of ``role``'s consent claims, in order, with the floors filled in.

    Examples
    --------
    >>> consent_claims("solo", k=3, comment_k=5)[0].startswith("Who can see it: only you")
    True
    """
    c = content if content is not None else content_mod.get()
    return tuple(c.text(key, k=k, comment_k=comment_k) for key in CLAIMS[role])
