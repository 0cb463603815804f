"""Workshops: join codes, coach keys, opening and joining. Pure functions and store calls.

A coach opens a workshop and gets two secrets of different kinds:

- the **join code** (6 characters, for a room to type on a phone) only lets people take
  part; it is short because guessing one gains nothing but a seat;
- the **coach key** (160 random bits, shown once) opens the group results and closes the
  workshop; the store keeps only a salted hash of it.

Examples
--------
>>> from trace_widgets import store, workshop
>>> with store.open_store("sqlite://") as s:
...     w, key = workshop.open_workshop(s, "Ward leads", "team", ["team"])
...     workshop.check_coach(s, w.code.lower(), key).code == w.code
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, quote, urlsplit

import pandas as pd

from . import _throttle, group, settings
from . import content as content_mod
from .store import KINDS, Store, StoreError, Workshop

__all__ = [
    "ALPHABET",
    "APP_NOTEBOOK",
    "COACH_NOTEBOOK",
    "CODE_LENGTH",
    "KEY_BYTES",
    "KINDS",
    "Answers",
    "CoachAccessError",
    "JoinError",
    "LeaderAccessError",
    "check_coach",
    "check_leader",
    "dashboard_link",
    "find_open_workshop",
    "group_summary",
    "hash_key",
    "issue_leader_key",
    "join_link",
    "journey_steps",
    "leader_link",
    "new_coach_key",
    "new_join_code",
    "normalise_code",
    "normalise_key",
    "open_workshop",
    "participant_role",
    "rated_instrument",
    "release_scope",
    "start_round",
    "verify_key",
]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Join-code characters: digits and capitals without 0/O, 1/I/L, which people misread."""
CODE_LENGTH = 6
"""31**6, about 890 million codes: collisions are rare and are retried."""
KEY_BYTES = 20
"""160 random bits: the coach key cannot be guessed, so a fast salted hash is enough."""
APP_NOTEBOOK = "app.ipynb"
COACH_NOTEBOOK = "coach.ipynb"

_HASH_SCHEME = "sha256"
_KEY_LIMIT = 200  # longer input is not a key; hashing megabytes would only cost time
_CODE = re.compile(r"^[A-Z0-9]{1,16}$")
# Separators people type or phones insert between groups: spaces, dashes of every kind, dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._·]+")
_OPEN_ATTEMPTS = 20


class CoachAccessError(StoreError):
    """The code and key do not open a dashboard; says nothing about which one was wrong."""

    default_text_id = "workshop.coach_denied"


class LeaderAccessError(StoreError):
    """The leader code does not fit this workshop; the same message whatever is wrong."""

    default_text_id = "workshop.leader.denied"


class JoinError(StoreError):
    """The code does not lead to an open workshop; the message is plain enough to show."""

    default_text_id = "workshop.join.not_found"


# --- secrets ----------------------------------------------------------------------------------


def new_join_code(length: int = CODE_LENGTH) -> str:
    """A random join code from :data:`ALPHABET`.

    Examples
    --------
    >>> code = new_join_code()
    >>> len(code), set(code) <= set(ALPHABET)
    (6, True)
    """
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_coach_key() -> str:
    """A new coach key: 160 random bits as 32 base32 characters (A-Z, 2-7), URL-safe.

    Examples
    --------
    >>> key = new_coach_key()
    >>> len(key), key.isupper() or key.isdigit()
    (32, True)
    """
    return base64.b32encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def normalise_key(key: object) -> str:
    """A typed or pasted coach key in canonical form: capitals, no spaces or dashes.

    Examples
    --------
    >>> normalise_key(" abcd-efgh ")
    'ABCDEFGH'
    """
    if not isinstance(key, str):
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", key[:_KEY_LIMIT])).upper()


def hash_key(key: str, *, salt: bytes | None = None) -> str:
    """A salted hash of a coach key, for the store (which never keeps the key itself).

    The key has 160 random bits, so no one can guess it whatever the hash costs; a slow
    password hash (scrypt, PBKDF2) protects weak secrets and would add nothing here. The
    salt keeps equal keys from having equal hashes.

    Examples
    --------
    >>> h = hash_key("K" * 32)
    >>> h.startswith("sha256$"), verify_key("k" * 32, h), verify_key("x" * 32, h)
    (True, True, False)
    """
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.sha256(salt + normalise_key(key).encode("utf-8")).hexdigest()
    return f"{_HASH_SCHEME}${salt.hex()}${digest}"


def verify_key(key: object, stored: str) -> bool:
    """True when ``key`` is the key whose :func:`hash_key` is ``stored`` (constant time).

    Examples
    --------
    >>> verify_key("anything", "not-a-hash")
    False
    """
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        salt = b""
    expected = hashlib.sha256(salt + normalise_key(key).encode("utf-8")).hexdigest()
    # Compare even when the stored hash is malformed, so timing says nothing about it.
    same = hmac.compare_digest(expected.encode(), digest.encode())
    return same and scheme == _HASH_SCHEME and bool(salt) and bool(normalise_key(key))


# An unusable hash to check against when the code is unknown: both failures take as long.
_NO_WORKSHOP = hash_key(new_coach_key())


# --- codes and links --------------------------------------------------------------------------


def normalise_code(text: object) -> str:
    """A typed or pasted join code in canonical form, or "" when it cannot be a code.

    Upper-cases, folds full-width and other compatibility characters (some phone keyboards
    type them), removes spaces, dashes and dots, and takes the ``w`` parameter out of a
    pasted join link. Generated codes contain none of 0/O/1/I/L, so there is no look-alike
    to map: a mistyped one simply is not found.

    Examples
    --------
    >>> normalise_code(" k7m-q4p ")
    'K7MQ4P'
    >>> normalise_code("https://example.org/voila/render/app.ipynb?w=K7MQ4P")
    'K7MQ4P'
    >>> normalise_code("K7MQ4P"), normalise_code("<script>")
    ('K7MQ4P', '')
    """
    if not isinstance(text, str):
        return ""
    raw = unicodedata.normalize("NFKC", text[:2_000]).strip()
    if "w=" in raw:
        query = urlsplit(raw).query or raw.partition("?")[2] or raw
        found = parse_qs(query).get("w")
        raw = found[0] if found else raw
    code = _SEPARATORS.sub("", raw).upper()
    return code if _CODE.match(code) else ""


def join_link(code: str, base: str = "") -> str:
    """The link participants open to join: the app with the code, relative to ``base``.

    Examples
    --------
    >>> join_link("K7MQ4P")
    'app.ipynb?w=K7MQ4P'
    >>> join_link("K7MQ4P", "http://127.0.0.1:8866/voila/render/")
    'http://127.0.0.1:8866/voila/render/app.ipynb?w=K7MQ4P'
    """
    return f"{base}{APP_NOTEBOOK}?w={quote(code, safe='')}"


def leader_link(code: str, key: str, base: str = "") -> str:
    """The link a team's leader joins with (the join link and their leader code).

    Examples
    --------
    >>> leader_link("K7MQ4P", "ABC")
    'app.ipynb?w=K7MQ4P&l=ABC'
    """
    return f"{join_link(code, base)}&l={quote(key, safe='')}"


def dashboard_link(code: str, key: str, base: str = "") -> str:
    """The coach's dashboard link; it holds the key, so only the coach should see it.

    Examples
    --------
    >>> dashboard_link("K7MQ4P", "ABC")
    'coach.ipynb?w=K7MQ4P&k=ABC'
    """
    return f"{base}{COACH_NOTEBOOK}?w={quote(code, safe='')}&k={quote(key, safe='')}"


# --- opening, checking, joining ---------------------------------------------------------------


def _ordered_spaces(spaces: Sequence[str]) -> list[str]:
    """The chosen spaces in content order (the store checks that they exist)."""
    order = [s.id for s in content_mod.get().spaces]
    chosen = list(spaces) if not isinstance(spaces, str) else [spaces]
    known = [s for s in order if s in chosen]
    return known + [s for s in chosen if s not in order]  # unknown ones: the store refuses


def open_workshop(store: Store, title: str, kind: str, spaces: Sequence[str], *,
                  exercises: Sequence[str] | None = None, code: str | None = None,
                  journey: str = content_mod.DEFAULT_JOURNEY) -> tuple[Workshop, str]:
    """Open a workshop; return it and its coach key (show the key once, then forget it).

    Parameters
    ----------
    store
        The answer store.
    title
        What the coach calls it (1-200 characters).
    kind
        ``"cohort"`` (each participant rates their own context) or ``"team"`` (everyone
        rates one shared team; the leader says so).
    spaces
        The space ids it covers, e.g. ``["self", "team"]`` (kept in content order).
    exercises
        What it includes besides the ratings, out of the content's optional exercises
        (``content.get().workshop_exercises``: ``"reflection"``, ``"priorities"``,
        ``"action_plan"`` and any YAML exercise with a label); default all.
    code
        A join code of your own (for rehearsals); default a new random one.
    journey
        The journey its participants follow (``journeys/*.yaml``; default ``"default"``).

    Raises
    ------
    AnswerError
        A title, kind, space or code is not acceptable (``field`` names it).
    StoreError
        A chosen ``code`` is taken, or the store is not available.

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, key = open_workshop(s, "Ward leads", "cohort", ["team", "self"])
    ...     w.spaces, len(key)
    (('self', 'team'), 32)
    """
    key = new_coach_key()
    chosen = _ordered_spaces(spaces)
    for _ in range(_OPEN_ATTEMPTS):
        this = code if code is not None else new_join_code()
        try:
            return store.create_workshop(this, title, kind, chosen, hash_key(key),
                                         exercises=exercises, journey=journey), key
        except StoreError:
            # A taken random code is retried; anything else (or a chosen code) is the error.
            if code is not None or store.workshop(this) is None:
                raise
    raise StoreError("workshop.error.no_free_code")


def check_coach(store: Store, code: object, key: object) -> Workshop:
    """The workshop that ``code`` and ``key`` open, or :class:`CoachAccessError`.

    The error is the same whether the code or the key is wrong, and takes as long.

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, key = open_workshop(s, "Ward leads", "cohort", ["team"])
    ...     for c, k in [(w.code, "WRONG"), ("NOSUCH", key)]:
    ...         try:
    ...             check_coach(s, c, k)
    ...         except CoachAccessError as exc:
    ...             print(exc)
    That workshop code and coach key do not match. Check both and try again.
    That workshop code and coach key do not match. Check both and try again.
    """
    if not _throttle.allowed():
        raise CoachAccessError
    normal = normalise_code(code)
    found = store.workshop(normal) if normal else None
    ok = verify_key(key, found.coach_key_hash if found is not None else _NO_WORKSHOP)
    if found is None or not ok:
        _throttle.failed()
        raise CoachAccessError
    return found


def issue_leader_key(store: Store, workshop: Workshop) -> str:
    """Make the leader code of a team workshop; return it (show it to the coach once).

    The store keeps only its salted hash, and only the first one made: there is one leader
    per workshop, chosen by the coach who gives them the code, never claimed by ticking a
    box.

    Raises
    ------
    StoreError
        The workshop is not an open team workshop, or its leader code was made already.

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = open_workshop(s, "Ward leads", "team", ["team"])
    ...     key = issue_leader_key(s, w)
    ...     check_leader(s, w.code, key).code == w.code
    True
    """
    key = new_coach_key()
    if not store.set_leader_key_hash(workshop.code, hash_key(key)):
        raise StoreError("workshop.leader.no_key")
    return key


def check_leader(store: Store, code: object, key: object) -> Workshop:
    """The open team workshop that ``code`` and this leader ``key`` fit, or
    :class:`LeaderAccessError` (the same message whichever is wrong, and as slow).

    A wrong key counts towards the guessing limit like a wrong coach key. Whether the
    workshop has its leader already is the store's to say, in the same transaction that
    starts the leader's workbook (:class:`trace_widgets.store.LeaderTakenError`).

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = open_workshop(s, "Ward leads", "team", ["team"])
    ...     _ = issue_leader_key(s, w)
    ...     try:
    ...         check_leader(s, w.code, "WRONG")
    ...     except LeaderAccessError as exc:
    ...         print(exc)
    That leader code does not fit this workshop. Check it with your coach, or join as a member.
    """
    if not _throttle.allowed():
        raise LeaderAccessError
    normal = normalise_code(code)
    found = store.workshop(normal) if normal else None
    stored = found.leader_key_hash if found is not None else None
    ok = verify_key(key, stored or _NO_WORKSHOP)
    if found is None or stored is None or not ok or not found.is_open:
        _throttle.failed()
        raise LeaderAccessError
    return found


def find_open_workshop(store: Store, text: object) -> Workshop:
    """The open workshop a participant's typed code (or pasted link) names.

    Raises
    ------
    JoinError
        No workshop has that code, or it is closed; the message says which, plainly.

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = open_workshop(s, "Ward leads", "cohort", ["team"])
    ...     find_open_workshop(s, " " + w.code.lower()).code == w.code
    True
    """
    if not _throttle.allowed():
        raise JoinError("workshop.join.not_found")
    code = normalise_code(text)
    found = store.workshop(code) if code else None
    if found is None:
        _throttle.failed()
        raise JoinError("workshop.join.not_found")
    if not found.is_open:
        raise JoinError("workshop.join.closed")
    return found


def participant_role(workshop: Workshop, *, leader: bool = False) -> str | None:
    """The role a participant joins with: none in a cohort, leader or member in a team.

    Examples
    --------
    >>> from trace_widgets.store import Workshop
    >>> import dataclasses, datetime as dt
    >>> w = Workshop("K7MQ4P", "Day", "team", ("team",), "h", dt.datetime.now(), None)
    >>> participant_role(w, leader=True), participant_role(w)
    ('leader', 'member')
    """
    if workshop.kind != "team":
        return None
    return group.LEADER if leader else group.MEMBER


def rated_instrument(workshop: Workshop) -> str | None:
    """The instrument the workshop's journey rates (None: the main one), as its first
    rating exercise says: its group results are scored on it alone.

    Examples
    --------
    >>> import dataclasses, datetime as dt
    >>> w = Workshop("K7MQ4P", "Day", "cohort", ("team",), "h", dt.datetime.now(), None)
    >>> rated_instrument(w), rated_instrument(dataclasses.replace(w, journey="pulse"))
    (None, 'pulse')
    """
    c = content_mod.get()
    rates = (c.exercise(e).rates for st in c.journey(workshop.journey).steps
             for e in st.exercises)
    return next((r for r in rates if r is not None), None) or None


def journey_steps(workshop: Workshop) -> tuple[str, ...]:
    """The steps of the workshop's journey its participants go through: the steps of its
    spaces, and each other step that holds no exercise (start) or one the workshop includes
    (the plan, when it includes priorities or the action plan).

    Examples
    --------
    >>> from trace_widgets.store import Workshop
    >>> import dataclasses, datetime as dt
    >>> w = Workshop("K7MQ4P", "Day", "team", ("team",), "h", dt.datetime.now(), None)
    >>> journey_steps(w)
    ('start', 'team', 'plan')
    >>> journey_steps(dataclasses.replace(w, exercises=("reflection",)))
    ('start', 'team')
    """
    chosen = set(workshop.exercises)
    journey = content_mod.get().journey(workshop.journey)

    def included(exercise: str) -> bool:
        return exercise in chosen or not content_mod.get().exercise(exercise).optional

    def kept(st: content_mod.StepSpec) -> bool:
        if st.space is not None:
            return st.space in workshop.spaces
        return not st.exercises or any(included(e) for e in st.exercises)

    return tuple(st.id for st in journey.steps if kept(st))


# --- what a group view may show ---------------------------------------------------------------

_SAVE_ATTEMPTS = 8


def release_scope(code: str) -> str:
    """The store's name for what a workshop's group views published (one for all of them:
    dashboard, CSV and report show one set of figures).

    Examples
    --------
    >>> release_scope("K7MQ4P")
    'workshop:K7MQ4P'
    """
    return f"workshop:{code}"


def start_round(store: Store, workshop: Workshop) -> Workshop:
    """Start the workshop's next round of rating for everyone in it (the coach's choice).

    Every participant's next ratings go into the new round, someone who joins later rates
    in it too, and the earlier rounds' answers and published figures stay as they were;
    each participant's last answers are offered as a starting point. Returns the workshop
    as it is now.

    Raises
    ------
    StoreError
        The workshop is closed (or unknown), or the store is not available.

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = open_workshop(s, "Ward leads", "cohort", ["team"])
    ...     start_round(s, w).round
    2
    """
    store.start_workshop_round(workshop.code)
    found = store.workshop(workshop.code)
    if found is None:  # it was there a moment ago; erased meanwhile
        raise StoreError("error.generic")
    return found


Answers = Callable[..., pd.DataFrame]
"""Reads a workshop's current answers: ``answers(code, round=r)`` (the store's
:meth:`~trace_widgets.store.Store.workshop_answers`, pseudonymous, by default)."""


def group_summary(store: Store, workshop: Workshop, *, k: int | None = None,
                  comment_k: int | None = None,
                  answers: Answers | None = None) -> group.Summary:
    """What the coach of ``workshop`` may see now: read, apply the release rule, persist.

    Every view of a workshop's group figures (the dashboard, the aggregate CSV, ``workshop
    results``, the group report) goes through here, so they all show one release
    (:func:`trace_widgets.group.release`): a cell changes only when at least ``k`` people's
    contributions differ from every earlier release of it, whichever view, tab or kernel
    looks, and however often. The new release is saved before it is returned; if another
    view saved one meanwhile, this one reads it and decides again.

    Parameters
    ----------
    store, workshop
        The store and the workshop (already checked against its coach key).
    k, comment_k
        The floors (default from settings).
    answers
        Reads the workshop's answers by code and round (default
        ``store.workshop_answers``, pseudonymous).

    Every round of the workshop is summarised: the grid and the leader comparison are the
    round's now (the coach starts the next one, :func:`start_round`), and
    ``summary.grids`` and ``summary.change`` hold each round's figures and the change,
    all under one release rule (no figure of one round taken from another's singles
    anyone out).

    Raises
    ------
    StoreError
        The store is not available, or other views kept winning (rare; try again).

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     w, _ = open_workshop(s, "Ward leads", "cohort", ["team"])
    ...     summary = group_summary(s, w)
    ...     summary.progress.started, s.release_state(release_scope(w.code)) is not None
    (0, True)
    """
    current = settings.get()
    k = current.anonymity_k if k is None else k
    comment_k = current.comment_k if comment_k is None else comment_k
    read = answers or store.workshop_answers
    scope = release_scope(workshop.code)
    # Another tab, or the command line, may have started a round since this one looked.
    now = store.workshop(workshop.code)
    round_now = max(workshop.round, now.round if now is not None else 1)
    for _ in range(_SAVE_ATTEMPTS):
        found = store.release_state(scope)
        version, previous = (0, None) if found is None else (
            found[0], group.Release.from_json(found[1]))
        earlier = {r: read(workshop.code, round=r) for r in range(1, round_now)}
        summary = group.summarise(read(workshop.code, round=round_now), kind=workshop.kind,
                                  spaces=workshop.spaces, k=k, comment_k=comment_k,
                                  joined=store.workshop_size(workshop.code), previous=previous,
                                  round=round_now, earlier=earlier,
                                  instrument=rated_instrument(workshop))
        text = summary.release.to_json()
        if found is not None and text == found[1]:
            return summary
        if store.save_release_state(scope, text, expected=version):
            return summary
    raise StoreError("error.generic")
