"""The one place that reads the environment: where the store is, limits and thresholds."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from platformdirs import user_data_path

__all__ = [
    "KERNEL_MB",
    "MAX_FLOOR",
    "MIN_ANONYMITY_K",
    "PREFIX",
    "TEXT_HARD_CAP",
    "Settings",
    "SettingsError",
    "child_env",
    "forget",
    "get",
    "in_voila",
    "request_client",
    "request_query",
    "use",
]

PREFIX = "TRACE_"
TEXT_HARD_CAP = 20_000
MIN_ANONYMITY_K = 3
"""The lowest anonymity floor there is: a group figure from fewer people could be one
person's answer seen through one other's. No setting goes below it."""
MAX_FLOOR = 100


class SettingsError(ValueError):
    """A setting from the environment or the command line is not usable. Worded by UI text
    id (``settings.error.*`` in ``ui_cli.yaml``), read from the bundled content on its own:
    the content in use cannot be read without valid settings."""

    def __init__(self, text_id: str, /, **values: object) -> None:
        super().__init__(text_id)
        self.text_id = text_id
        self.values = values

    def __str__(self) -> str:
        from ._schema import say  # noqa: PLC0415 - pydantic only when there is an error

        return say(self.text_id, prefix=PREFIX, **self.values)


def _default_store() -> str:
    return f"sqlite:///{user_data_path('trace-workbook') / 'trace.sqlite3'}"


KERNEL_MB = 180
"""Memory one visitor's kernel may come to (70-180 MB measured; copies of the fork server
share most of theirs)."""


def _default_max_kernels() -> int:
    """Kernels that fit in half this machine's memory at :data:`KERNEL_MB` each (4-200)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 20
    return max(4, min(200, memory // 2 // (KERNEL_MB << 20)))


@dataclass(frozen=True)
class Settings:
    """Settings for the workbook, from ``TRACE_*`` environment variables and CLI flags.

    Examples
    --------
    >>> Settings.from_env({"TRACE_ANONYMITY_K": "4"}).anonymity_k
    4
    """

    store: str = field(default_factory=_default_store)
    """SQLAlchemy URL of the answer store (``sqlite:///path`` or ``postgresql://...``)."""
    host: str = "127.0.0.1"
    port: int = 8866
    anonymity_k: int = 3
    """A group figure is shown only when at least this many people contributed (at least
    :data:`MIN_ANONYMITY_K`), and changes only in steps of this many (``group.release``)."""
    comment_k: int = 5
    """Shared comments are shown only when at least this many people shared (at least
    ``anonymity_k``: a text says more about its writer than a score does)."""
    text_limit: int = 5_000
    """Longest reflection a learner may write, in characters (hard cap 20,000)."""
    pool_size: int = 2
    """Kernels Voila keeps warm for the next visitors."""
    cull_idle_seconds: int = 1_800
    """An idle kernel is shut down after this long."""
    fork_kernels: int = 1
    """1: the app's kernels are copies of one warm process (they start in a fraction of a
    second and share memory); 0: each kernel starts on its own, the usual Jupyter way."""
    chart_server: str = ""
    """The socket of the shared chart renderer (``serve`` starts one and sets this for its
    kernels); empty: each kernel draws its own charts."""
    content_dir: str = ""
    """A folder of YAML content to use instead of the bundled one (for researchers)."""
    instruments_dir: str = ""
    """A researcher's own instruments beside the content's: a folder laid out like
    ``data/instruments`` (one folder per instrument), or one instrument's folder."""
    max_kernels: int = field(default_factory=_default_max_kernels)
    """Most kernels the server runs at once, the warm pool included; past it a visitor is
    asked to try again in a minute (default: what half this machine's memory holds)."""
    throttle_dir: str = ""
    """A private folder where the server's kernels count wrong codes per client (``serve``
    makes one); empty: each kernel counts its own."""

    def __post_init__(self) -> None:
        # Floors first, with messages that say why: they cannot be switched off.
        if not MIN_ANONYMITY_K <= self.anonymity_k <= MAX_FLOOR:
            raise SettingsError("settings.error.anonymity_k", value=self.anonymity_k,
                                low=MIN_ANONYMITY_K, high=MAX_FLOOR)
        if not self.anonymity_k <= self.comment_k <= MAX_FLOOR:
            raise SettingsError("settings.error.comment_k", value=self.comment_k,
                                low=self.anonymity_k, high=MAX_FLOOR)
        checks = {
            "port": 1 <= self.port <= 65535,
            "text_limit": 1 <= self.text_limit <= TEXT_HARD_CAP,
            "pool_size": 0 <= self.pool_size <= 32,
            "cull_idle_seconds": 60 <= self.cull_idle_seconds <= 7 * 86_400,
            "fork_kernels": self.fork_kernels in (0, 1),
            "max_kernels": 1 <= self.max_kernels <= 10_000,
        }
        for name, ok in checks.items():
            if not ok:
                value = getattr(self, name)
                raise SettingsError("settings.error.range", name=name.upper(), value=value)
        if not self.store.strip():
            raise SettingsError("settings.error.no_store")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``TRACE_<NAME>`` variables, then apply ``overrides`` (CLI flags) on top."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, int if f.type == "int" else str)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "comment_k" not in values and isinstance(values.get("anonymity_k"), int):
            # Raising the figure floor raises the comment floor with it, unless it is set.
            values["comment_k"] = max(cls.comment_k, values["anonymity_k"])  # type: ignore[call-overload]
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def content_path(self) -> Path | None:
        return Path(self.content_dir).expanduser() if self.content_dir else None

    @property
    def instruments_path(self) -> Path | None:
        return Path(self.instruments_dir).expanduser() if self.instruments_dir else None


def _convert(name: str, raw: str, kind: type) -> object:
    try:
        return kind(raw.strip())
    except ValueError:
        raise SettingsError("settings.error.not_a_number", name=name.upper(), value=raw) from None


_current: Settings | None = None


def get() -> Settings:
    """The settings of this process, read from the environment once."""
    global _current  # noqa: PLW0603 - one settings object per process, by design
    if _current is None:
        _current = Settings.from_env()
    return _current


def forget() -> None:
    """Read the environment again at the next :func:`get` (a kernel copied from the warm
    fork server has the environment Voila gave it, not the server's)."""
    global _current  # noqa: PLW0603
    _current = None


def use(settings: Settings) -> None:
    """Make ``settings`` the settings of this process (CLI flags, tests)."""
    global _current  # noqa: PLW0603
    _current = settings


def child_env(current: Settings, *, jupyter_path: str | None = None) -> dict[str, str]:
    """The environment for a child process (Voila and its kernels) that sees ``current``."""
    env = dict(os.environ)
    for f in fields(current):
        env[PREFIX + f.name.upper()] = str(getattr(current, f.name))
    if jupyter_path:
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (jupyter_path, env.get("JUPYTER_PATH"))
                                              if p)
    return env


def request_query() -> dict[str, str]:
    """The query string of the page that this kernel serves (``?p=...&step=...``), or {}.

    In Voila with a preheated kernel the notebook runs before anyone asks for the page, so
    this waits for the request first; in JupyterLab it returns {} at once.
    """
    from urllib.parse import parse_qsl  # noqa: PLC0415 - only the app needs these

    from voila.utils import wait_for_request  # noqa: PLC0415

    wait_for_request()
    raw = os.environ.get("QUERY_STRING", "")
    # Only the first value of each key counts; the journey checks each one it uses.
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw[:2_000], keep_blank_values=False):
        query.setdefault(key, value)
    return query


def request_client() -> str:
    """Who this kernel's visitor is, as far as the server can tell: the address their
    connection came from (the server writes it; a browser cannot choose it), or "" outside
    Voila. Call after :func:`request_query`."""
    return os.environ.get("HTTP_X_TRACE_CLIENT", "")[:100]


def in_voila() -> bool:
    """True when this kernel serves a Voila page (not a JupyterLab notebook)."""
    return "VOILA_KERNEL_ID" in os.environ or "SCRIPT_NAME" in os.environ
