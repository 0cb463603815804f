"""In JupyterLab, the numbered notebooks share one workbook: remember which, per store."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from platformdirs import user_data_path

from .. import settings

log = logging.getLogger(__name__)


def _path() -> Path:
    return user_data_path("trace-workbook") / "open-workbooks.json"


def _load() -> dict[str, str]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(data, dict) else {}


def remembered(store: str) -> str | None:
    """The workbook last opened in JupyterLab on the store at URL ``store``. Never used by
    the web app, where one server holds many people's workbooks."""
    if settings.in_voila():
        return None
    return _load().get(store)


def remember(store: str, token: str | None) -> None:
    if settings.in_voila():
        return
    data = _load()
    if token:
        data[store] = token
    else:
        data.pop(store, None)
    try:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
        path.chmod(0o600)
    except OSError:
        log.warning("could not remember the open workbook in %s", _path())
