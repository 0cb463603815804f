"""The store's export as CSV or JSON text, and reading one back (older versions included)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from . import answers as answers_mod
from . import content as content_mod
from ._store_errors import StoreError
from ._words import say
from .answers import COLUMNS

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "FORMULA_START",
    "Format",
    "answers_frame",
    "read_export",
    "write_export",
]

Format = Literal["csv", "json"]
EXPORT_FORMAT = "trace-workbook/answers"
EXPORT_VERSION = 3
"""Version 2 added the ``round`` column; version 1 exports are read as round 1. Version 3
added ``instrument`` and ``version``; older exports get their item's own instrument."""
CSV_COLUMNS = (*COLUMNS, "value_type")
"""CSV has no types, so a CSV export says what each value was: ``int``, ``text`` or ``none``."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def write_export(answers: pd.DataFrame, scope: dict[str, str], fmt: Format) -> str:
    """Answers as export text: CSV with a ``value_type`` column, or JSON naming ``scope``."""
    records = [_plain(r) for r in answers.to_dict("records")]
    return _to_csv(records) if fmt == "csv" else _to_json(records, scope)


def answers_frame(columns: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Columns as a frame with :data:`COLUMNS`; ``value`` stays object so 4 is not 4.0."""
    out = pd.DataFrame({c: list(columns[c]) for c in COLUMNS if c != "value"},
                       columns=list(COLUMNS))
    out["value"] = pd.Series(list(columns["value"]), dtype=object, index=out.index)
    out["at"] = pd.to_datetime(out["at"], utc=True)
    return out


def _plain(record: Mapping[Any, Any]) -> dict[str, Any]:
    """A frame record with pandas' missing values and timestamps made plain Python."""
    out: dict[str, Any] = {}
    for c in COLUMNS:
        v = record[c]
        if c == "at":
            out[c] = pd.Timestamp(v).isoformat()
        elif c == "round":
            out[c] = int(v)
        elif c != "value" and not isinstance(v, str):
            out[c] = None  # NaN for a missing element or space
        else:
            out[c] = v
    return out


def _value_type(value: object) -> str:
    return "none" if value is None else "int" if isinstance(value, int) else "text"


def _to_csv(records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        value = r["value"]
        cell = "" if value is None else str(value)
        if isinstance(value, str) and value.startswith(FORMULA_START):
            cell = "'" + value
        row = ["" if r[c] is None else r[c] for c in COLUMNS]
        row[COLUMNS.index("value")] = cell
        writer.writerow([*row, _value_type(value)])
    return buf.getvalue()


def _to_json(records: list[dict[str, Any]], scope: dict[str, str]) -> str:
    doc = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": answers_mod.now().isoformat(),
        "scope": scope,
        "answers": records,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def read_export(data: str, fmt: Format) -> pd.DataFrame:
    """Read an export back into a frame with :data:`answers.COLUMNS`, types restored.

    Examples
    --------
    >>> from trace_widgets.store import open_store
    >>> with open_store("sqlite://") as s:
    ...     t = s.new_participant(consent=True)
    ...     _ = s.save(t, {"task.self.s1": None, "task.self.p1": "=1+1"})
    ...     read_export(s.export(participant=t), "csv")["value"].tolist()
    [None, '=1+1']
    """
    try:
        records = _from_csv(data) if fmt == "csv" else _from_json(data)
    except (KeyError, TypeError, ValueError, csv.Error) as exc:
        raise StoreError("store.error.not_an_export", fmt=fmt, problem=exc) from None
    return answers_frame({c: [r[c] for r in records] for c in COLUMNS})


def _from_json(data: str) -> list[dict[str, Any]]:
    doc = json.loads(data)
    if doc.get("format") != EXPORT_FORMAT or doc.get("version") not in range(
            1, EXPORT_VERSION + 1):
        raise ValueError(say("store.error.export_version"))
    return [_with_instrument({c: (dt.datetime.fromisoformat(r[c]) if c == "at"
                                  else _round(r.get(c, 1)) if c == "round"
                                  else r.get(c, "") if c in _NEW_IN_3 else r[c])
                              for c in COLUMNS})
            for r in doc["answers"]]


_NEW_IN_3 = ("instrument", "version")


def _with_instrument(rec: dict[str, Any]) -> dict[str, Any]:
    """An answer exported before answers named their instrument: its item's own, now."""
    if not rec.get("instrument"):
        c = content_mod.get()
        spec = c.items.get(str(rec.get("item")))
        bank = c.instruments.get(spec.instrument) if spec is not None else None
        rec["instrument"], rec["version"] = (bank.id, bank.version) if bank else ("", "")
    return rec


def _round(value: object) -> int:
    return answers_mod.check_round(int(value) if isinstance(value, str) else value)


def _from_csv(data: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(data))
    fields = tuple(reader.fieldnames or ())
    before_3 = tuple(c for c in CSV_COLUMNS if c not in _NEW_IN_3)
    if fields not in (CSV_COLUMNS, before_3, tuple(c for c in before_3 if c != "round")):
        raise ValueError(say("store.error.export_columns"))
    records = []
    for r in reader:
        kind, raw = r["value_type"], r["value"]
        if kind not in ("none", "int", "text"):
            raise ValueError(say("store.error.export_value_type", value_type=kind))
        value: object = (None if kind == "none" else int(raw) if kind == "int"
                         else raw[1:] if raw.startswith("'") else raw)
        rec: dict[str, Any] = {c: (r.get(c) or None) for c in COLUMNS}
        rec["workshop"] = r["workshop"]
        rec["instrument"], rec["version"] = r.get("instrument", ""), r.get("version", "")
        rec["round"] = _round(r.get("round") or 1)
        rec["value"] = value
        rec["at"] = dt.datetime.fromisoformat(r["at"])
        records.append(_with_instrument(rec))
    return records

