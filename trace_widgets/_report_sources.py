"""What goes into a report, read from the store: the one place the journey, the dashboard's
command-line twin and ``trace-workbook report`` gather a report's inputs."""

from __future__ import annotations

from . import report, store, workshop


def learner_report_of(s: store.Store, token: str, fmt: str) -> bytes:
    """A learner's report: their current answers, every round (for the trend), and others'
    ratings about them once they have closed the round to raters (as the Plan step shows
    them), with their first name and their workshop's title."""
    # The journey imports this module (its report buttons), so the journey is read late.
    from .journey._others import rater_views  # noqa: PLC0415

    person = s.participant(token)
    found = s.workshop(person.workshop) if person.workshop else None
    # Raters are asked by a learner on their own; their views show only after closing.
    about = s.about(person.token) if not person.workshop and s.raters_closed(person.token) \
        else None
    mine = s.current(person.token)
    # Through the one publication rule, as the Plan step shows them (one release for both).
    raters = None if about is None else rater_views(s, person.token, mine, about=about)
    return report.learner_report(mine, fmt=report.check_format(fmt),
                                 name=person.display_name,
                                 workshop=found.title if found else None,
                                 history=s.history(person.token), about=about, raters=raters)


def workshop_report_of(s: store.Store, found: store.Workshop, fmt: str) -> bytes:
    """A workshop's group report of its current release: the figures its dashboard shows
    (the one rule against differencing, :func:`trace_widgets.workshop.group_summary`)."""
    return report.group_report(workshop.group_summary(s, found), title=found.title,
                               code=found.code, fmt=report.check_format(fmt))
