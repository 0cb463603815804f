"""The research export: pseudonymised answers in a long and a wide layout, with a codebook.

Workbook codes (tokens) open a workbook, so they never leave the store: every token in an
export becomes a *pseudonym*, ``r-`` and the first 20 hex digits of HMAC-SHA256 of the token
with the server's key (:meth:`trace_widgets.store.Store.research_key`, made on first use,
never exported). The same token gives the same pseudonym in every export and workshop of a
server, and without the key no one (not even a person holding the token) can link the two.
This differs from :func:`trace_widgets.store.pseudonym`, a plain hash used inside the
coach's views, which anyone who holds a token can compute.

Free text is left out unless asked for; workshops with fewer people than the anonymity floor
are left out, and the floor is written in the metadata and the codebook.

Examples
--------
>>> from trace_widgets import demo, research
>>> frame = research.long_layout(demo.demo_answers(4), key=b"k" * 32)
>>> bool(frame["participant"].str.startswith("r-").all()), "text" in frame.columns
(True, False)
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import answers as answers_mod
from . import content as content_mod
from . import settings
from ._schema import Scale
from ._store_export import FORMULA_START
from .store import Store

__all__ = [
    "DEMO_KEY",
    "DIGITS",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "FILES",
    "PREFIX",
    "TOKEN_COLUMNS",
    "Export",
    "apply_floor",
    "codebook",
    "codebook_markdown",
    "demo_export",
    "export",
    "instrument",
    "load",
    "long_layout",
    "pseudonym",
    "read_long",
    "wide_layout",
]

EXPORT_FORMAT = "trace-workbook/research"
EXPORT_VERSION = 1
PREFIX = "r-"
DIGITS = 20  # 80 bits: no two of a million people share a pseudonym (p < 1e-12)
FILES = {"long": "answers-long.csv", "wide": "answers-wide.csv", "codebook": "codebook.csv",
         "markdown": "codebook.md", "metadata": "metadata.json"}
"""The files :meth:`Export.write` makes, by part."""

TOKEN_COLUMNS = ("participant", "subject")
"""Columns that hold tokens: each becomes a pseudonym (``subject``: whose leadership a
rater rates, once the store has rater links). No other column of the answers is copied
unless it is named in :data:`_LONG`, so a new token column cannot leak by accident."""
_OPTIONAL = ("subject", "round")  # copied when the answers have them
_LONG = ("participant", "workshop", "workshop_kind", "subject", "rater", "round",
         "instrument", "version", "exercise", "element", "space", "item", "reverse", "value",
         "not_sure", "choice", "text", "at")
_KEYS = ("participant", "workshop", "workshop_kind", "subject", "rater", "round",
         "instrument", "version")
_TYPES = {"participant": "string", "workshop": "string", "workshop_kind": "string",
          "subject": "string", "rater": "string", "round": "integer", "instrument": "string",
          "version": "string", "exercise": "string", "element": "string", "space": "string",
          "item": "string", "reverse": "integer (0/1)", "value": "integer",
          "not_sure": "integer (0/1)", "choice": "string", "text": "string",
          "at": "datetime (UTC)"}
_RATING = "rating"
_FREE_TEXT = "text"  # the item kind that holds a person's own words


def pseudonym(key: bytes, token: str) -> str:
    """The research pseudonym of ``token`` under the server's ``key``.

    Examples
    --------
    >>> p = pseudonym(b"k" * 32, "A" * 32)
    >>> p == pseudonym(b"k" * 32, "A" * 32), p != pseudonym(b"j" * 32, "A" * 32), len(p)
    (True, True, 22)
    """
    digest = hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def instrument(content: content_mod.Content | None = None) -> tuple[str, str]:
    """The id and version of the content's main instrument (the statements of its cells):
    what answers without their own ``instrument`` and ``version`` columns were given against.

    Examples
    --------
    >>> instrument()
    ('trace', '1')
    """
    main = (content or content_mod.get()).instrument()
    return main.id, main.version


def long_layout(answers: pd.DataFrame, *, key: bytes,
                kinds: Mapping[str, str] | None = None, include_text: bool = False,
                content: content_mod.Content | None = None) -> pd.DataFrame:
    """One row per answer, tokens replaced by pseudonyms, free text only if asked for.

    Parameters
    ----------
    answers
        Tidy answers with tokens (:data:`trace_widgets.answers.COLUMNS`; ``round``,
        ``subject``, ``instrument`` and ``version`` are kept when present).
    key
        The server's pseudonym key.
    kinds
        Workshop code -> kind (``cohort`` or ``team``), for the ``workshop_kind`` column.
    include_text
        Keep free-text answers (reflections, action-plan texts) in a ``text`` column.
    content
        The content (default :func:`trace_widgets.content.get`).

    Returns
    -------
    DataFrame
        The columns of the long file (see the codebook): ratings in ``value`` (nullable
        int) with ``not_sure``, coded answers in ``choice``, free text in ``text``.
    """
    c = content or content_mod.get()
    frame = answers.loc[answers["item"].isin(list(c.items))].copy()
    spec = frame["item"].map(c.items)
    kind = spec.map(lambda s: s.kind)
    if not include_text:
        keep = (kind != _FREE_TEXT).to_numpy(dtype=bool)
        frame, spec, kind = frame.loc[keep], spec.loc[keep], kind.loc[keep]
    rating = (frame["exercise"] == _RATING).to_numpy(dtype=bool)
    out = pd.DataFrame(index=frame.index)
    names: dict[str, str] = {}
    for col in TOKEN_COLUMNS:
        if col in frame.columns:
            tokens = frame[col].fillna("").astype(str)
            names.update({t: pseudonym(key, t) for t in tokens.unique() if t and t not in names})
            out[col] = tokens.map(lambda t: names.get(t, ""))
    out["workshop"] = frame["workshop"].fillna("").astype(str)
    kind_of = dict(kinds or {})
    out["workshop_kind"] = [kind_of.get(w, "") for w in out["workshop"]]
    out["rater"] = frame["rater"].astype(str)
    if "round" in frame.columns:
        out["round"] = pd.array(frame["round"], dtype="Int64")
    # Answers from before instruments were recorded were given against the item's own.
    bank = spec.map(lambda s: s.instrument)
    defaults = {"instrument": bank,
                "version": bank.map(lambda i: c.instruments[i].version if i in c.instruments
                                    else instrument(c)[1])}
    for col, default in defaults.items():
        given = frame[col].astype(object) if col in frame.columns else None
        out[col] = (given.where(given.notna() & (given != ""), default).astype(str)
                    if given is not None else default.astype(str))
    for col in ("exercise", "element", "space", "item"):
        out[col] = frame[col].where(frame[col].notna(), "").astype(str)
    out["reverse"] = spec.map(lambda s: int(s.reverse)).astype("int64")
    values = frame["value"]
    out["value"] = pd.array([v if r and isinstance(v, int) else None
                             for v, r in zip(values, rating, strict=True)], dtype="Int64")
    out["not_sure"] = pd.array([int(v is None) if r else None
                                for v, r in zip(values, rating, strict=True)], dtype="Int64")
    coded = ~rating & (kind != _FREE_TEXT).to_numpy(dtype=bool)
    out["choice"] = [v if ok and isinstance(v, str) else "" for v, ok in
                     zip(values, coded, strict=True)]
    if include_text:
        free = (kind == _FREE_TEXT).to_numpy(dtype=bool)
        out["text"] = [v if ok and isinstance(v, str) else "" for v, ok in
                       zip(values, free, strict=True)]
    out["at"] = pd.to_datetime(frame["at"], utc=True)
    return out[[col for col in _LONG if col in out.columns]].reset_index(drop=True)


def wide_layout(long: pd.DataFrame, content: content_mod.Content | None = None) -> pd.DataFrame:
    """One row per person (and rater role, round, instrument), one column per statement.

    The latest rating of each statement, as given (on its instrument's scale); empty when not
    rated or not sure.

    Examples
    --------
    >>> from trace_widgets import demo
    >>> wide = wide_layout(long_layout(demo.demo_answers(3), key=b"k" * 32))
    >>> len(wide), "task.self.s1" in wide.columns
    (3, True)
    """
    c = content or content_mod.get()
    keys = [k for k in _KEYS if k in long.columns]
    ids = _statement_ids(c, long)
    rated = long.loc[long["exercise"] == _RATING].sort_values("at", kind="stable")
    latest = rated.drop_duplicates([*keys, "item"], keep="last")
    people = latest[keys].drop_duplicates().sort_values(keys, kind="stable")
    wide = latest.pivot(index=keys, columns="item", values="value")
    wide = wide.reindex(columns=ids).reindex(pd.MultiIndex.from_frame(people))
    wide = wide.astype("Int64").reset_index()
    wide.columns.name = None
    return wide


def _statement_ids(c: content_mod.Content, long: pd.DataFrame) -> list[str]:
    """The main instrument's statements, then those of any other instrument in ``long``
    (each in its own rows: an instrument and version is part of a row's key)."""
    present = set(long["instrument"]) if "instrument" in long.columns else set()
    return [st.id for inst in c.instruments.values() if inst.main or inst.id in present
            for st in inst.statements()] or [s.id for _, s in c.statements()]


def apply_floor(long: pd.DataFrame, k: int | None = None) -> tuple[pd.DataFrame, int]:
    """Leave out workshops with fewer than ``k`` people (default: the settings' floor).

    Answers outside any workshop count as one group. Returns the kept rows and how many
    groups were left out.

    Examples
    --------
    >>> from trace_widgets import demo
    >>> long = long_layout(demo.demo_answers(2), key=b"k" * 32)
    >>> kept, withheld = apply_floor(long, 3)
    >>> len(kept), withheld
    (0, 1)
    """
    floor = settings.get().anonymity_k if k is None else k
    people = long.groupby("workshop")["participant"].nunique()
    small = set(people.index[people < floor])
    return long.loc[~long["workshop"].isin(small)].reset_index(drop=True), len(small)


def _wording(c: content_mod.Content, item: str) -> str:
    """An item's label: a statement's wording from its instrument, else what its kind says."""
    spec = c.item(item)
    bank = c.instruments.get(spec.instrument)
    if bank is not None and spec.element is not None and spec.space is not None:
        for s in bank.statements(spec.element, spec.space):
            if s.id == item:
                return s.text
    describe = c.exercise(spec.exercise).describe
    return describe(spec, c) if describe is not None else ""


def codebook(long: pd.DataFrame, wide: pd.DataFrame,
             content: content_mod.Content | None = None) -> pd.DataFrame:
    """Every column of both files and every item in them, generated from content.

    Returns
    -------
    DataFrame
        ``section`` (``variable`` or ``item``), ``name``, ``files``, ``type``, ``label``
        (the item's wording), ``values`` (scale labels), ``exercise``, ``element``,
        ``space``, ``condition``, ``reverse``, ``instrument``, ``version``.
    """
    c = content or content_mod.get()
    inst, version = instrument(c)
    rows: list[dict[str, Any]] = []
    item_ids = _statement_ids(c, long)
    statements = set(item_ids)
    # Each statement is on its instrument's scale; ``value`` says which when there are two.
    scales = dict.fromkeys(_values(c.scale_of(c.item(i).instrument)) for i in item_ids)
    scale = _values(c.scale) if not scales else next(iter(scales)) if len(scales) == 1 \
        else c.text("research.values.by_item")
    for name in dict.fromkeys([*long.columns, *wide.columns]):
        if name in statements:
            continue
        files = ", ".join(f for f, frame in (("long", long), ("wide", wide))
                          if name in frame.columns)
        rows.append({"section": "variable", "name": name, "files": files,
                     "type": _TYPES.get(name, "string"),
                     "label": c.text(f"research.var.{name}"),
                     "values": scale if name == "value" else ""})
    present = [i for i in dict.fromkeys(long["item"]) if i in c.items and i not in statements]
    for item in [*item_ids, *present]:
        spec = c.item(item)
        is_rating = spec.exercise == _RATING
        rows.append({
            "section": "item", "name": item,
            "files": "long, wide" if is_rating else "long",
            "type": "integer" if is_rating else _TYPES["text" if spec.kind == _FREE_TEXT
                                                       else "choice"],
            "label": _wording(c, item),
            "values": _values(c.scale_of(spec.instrument)) if is_rating else "",
            "exercise": spec.exercise, "element": spec.element or "",
            "space": spec.space or "",
            "condition": c.element(spec.element).condition if spec.element else "",
            "reverse": int(spec.reverse), "instrument": spec.instrument or inst,
            "version": (c.instruments[spec.instrument].version
                        if spec.instrument in c.instruments else version),
        })
    book = pd.DataFrame(rows, columns=["section", "name", "files", "type", "label", "values",
                                       "exercise", "element", "space", "condition", "reverse",
                                       "instrument", "version"])
    book["reverse"] = book["reverse"].astype("Int64")
    return book


def _values(scale: Scale) -> str:
    """A scale as the codebook gives it: ``1 = Strongly disagree; 2 = Disagree; ...``."""
    return "; ".join(f"{p.value} = {p.label}" for p in scale.points)


def codebook_markdown(book: pd.DataFrame, metadata: Mapping[str, Any],
                      content: content_mod.Content | None = None) -> str:
    """The codebook as a Markdown document (what a researcher reads first)."""
    c = content or content_mod.get()
    # One scale line, or one per instrument when the export's instruments differ in scale.
    banks = list(dict.fromkeys(str(i["instrument"]) for i in metadata["instruments"]))
    scales = {b: c.scale_of(b) for b in banks} or {"": c.scale}
    if len(set(scales.values())) == 1:
        only = next(iter(scales.values()))
        scale_lines = [c.text("research.md.scale", labels=_values(only),
                              not_sure=only.not_sure)]
    else:
        scale_lines = [c.text("research.md.scale_of", instrument=b, labels=_values(s),
                              not_sure=s.not_sure) for b, s in scales.items()]
    lines = [f"# {c.text('research.md.title')}", "", c.text("research.md.about"), "",
             "- " + c.text("research.md.floor", k=metadata["anonymity_floor"],
                           withheld=metadata["withheld_workshops"]),
             "- " + c.text("research.md.text_in" if metadata["free_text"]
                           else "research.md.text_out"),
             *("- " + line for line in scale_lines)]
    lines += ["- " + c.text("research.md.instrument", instrument=i["instrument"],
                            version=i["version"]) for i in metadata["instruments"]]
    lines += ["", f"## {c.text('research.md.variables')}", "",
              "| name | files | type | meaning |", "| --- | --- | --- | --- |"]
    for r in book.loc[book["section"] == "variable"].itertuples():
        lines.append(f"| `{r.name}` | {r.files} | {r.type} | {_cell(r.label)} |")
    lines += ["", f"## {c.text('research.md.items')}", "",
              "| item | condition | space | reverse | wording |",
              "| --- | --- | --- | --- | --- |"]
    for r in book.loc[book["section"] == "item"].itertuples():
        lines.append(f"| `{r.name}` | {r.element} | {r.space} | {r.reverse} | "
                     f"{_cell(r.label)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Export:
    """A research export in memory: both layouts, the codebook and the metadata."""

    long: pd.DataFrame
    wide: pd.DataFrame
    codebook: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        """File name -> text, as :meth:`write` writes them."""
        return {
            FILES["long"]: _csv(self.long),
            FILES["wide"]: _csv(self.wide),
            FILES["codebook"]: _csv(self.codebook),
            FILES["markdown"]: codebook_markdown(self.codebook, self.metadata),
            FILES["metadata"]: json.dumps(self.metadata, indent=1, ensure_ascii=False) + "\n",
        }

    def write(self, folder: Path | str) -> list[Path]:
        """Write the five files into ``folder`` (made if needed, readable by you only)."""
        out = Path(folder)
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        written = []
        for name, text in self.files().items():
            path = out / name
            path.touch(mode=0o600)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def _csv(frame: pd.DataFrame) -> str:
    """CSV that R, SPSS and spreadsheets read: empty for missing, no formula can run."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow([_plain(v) for v in row])
    return buf.getvalue()


def _plain(v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


def export(s: Store, *, workshops: Collection[str] | None = None, solo: bool = False,
           include_text: bool = False, history: bool = False, k: int | None = None,
           content: content_mod.Content | None = None) -> Export:
    """Build a research export from the store: every workshop, or the ``workshops`` named.

    Parameters
    ----------
    s
        An open store (its research key is made on first use).
    workshops
        Workshop codes (default: every workshop).
    solo
        Also the answers given outside workshops: learners working alone and the raters
        they invited (``subject`` then says, by pseudonym, whose leadership a rater rated).
    include_text
        Keep free text (reflections, action-plan texts).
    history
        Every answer row (changes included) instead of the current answer per person,
        item and round.
    k
        The anonymity floor (default: the settings' ``anonymity_k``).

    Examples
    --------
    >>> from trace_widgets import store
    >>> with store.open_store("sqlite://") as s:
    ...     _ = s.create_workshop("W1", "Team day", "team", ["team"], "h" * 64)
    ...     for n in range(3):
    ...         t = s.new_participant(workshop="W1", consent=True)
    ...         _ = s.save(t, {"task.team.s1": n + 2, "task.team.p1": "mine"})
    ...     made = export(s)
    >>> len(made.long), made.metadata["anonymity_floor"], "text" in made.long.columns
    (3, 3, False)
    """
    c = content or content_mod.get()
    known = {w.code: w for w in s.workshops()}
    chosen = list(known) if workshops is None else [str(w) for w in workshops]
    missing = [w for w in chosen if w not in known]
    if missing:
        raise ValueError(c.text("research.error.no_workshop", codes=", ".join(missing)))
    # Every row, then the latest per person, item and round here: the store's own "latest"
    # is one round's, and research wants each round.
    frames = [s.workshop_answers(code, latest=False, pseudonymous=False) for code in chosen]
    if solo:
        frames.append(s.solo_answers())
    answers = (pd.concat(frames, ignore_index=True) if frames
               else answers_mod.to_frame([]))
    if not history and len(answers):
        keys = [col for col in ("participant", "item", "round") if col in answers.columns]
        answers = (answers.sort_values("at", kind="stable")
                   .drop_duplicates(keys, keep="last").sort_index())
    long = long_layout(answers, key=s.research_key(), include_text=include_text, content=c,
                       kinds={code: w.kind for code, w in known.items()})
    return _assemble(long, c, include_text=include_text, history=history, k=k)


def _assemble(long: pd.DataFrame, c: content_mod.Content, *, include_text: bool,
              history: bool, k: int | None) -> Export:
    """The export of a long layout: the floor applied, the wide layout, codebook, metadata."""
    floor = settings.get().anonymity_k if k is None else k
    long, withheld = apply_floor(long, floor)
    wide = wide_layout(long, c)
    book = codebook(long, wide, c)
    inst, version = instrument(c)
    pairs = (sorted(set(zip(long["instrument"], long["version"], strict=True)))
             if len(long) else [(inst, version)])
    metadata = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": answers_mod.now().isoformat(),
        "workshops": sorted(w for w in set(long["workshop"]) if w),
        "solo": bool((long["workshop"] == "").any()),
        "anonymity_floor": floor,
        "withheld_workshops": withheld,
        "free_text": include_text,
        "history": history,
        "pseudonyms": c.text("research.meta.pseudonyms"),
        "instruments": [{"instrument": i, "version": v} for i, v in pairs],
        "rows": {"long": len(long), "wide": len(wide)},
        "files": dict(FILES),
    }
    return Export(long, wide, book, metadata)

def read_long(source: Path | str | io.StringIO) -> pd.DataFrame:
    """Read a long research file back as tidy answers (for scoring and psychometrics).

    ``value`` becomes an int, or None for "not sure"; coded and text answers come back in
    ``value`` too, so :mod:`trace_widgets.scoring` reads the frame as it reads the store's.
    """
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    value: list[object] = []
    for v, unsure, choice, text in zip(
            frame["value"], frame["not_sure"], frame["choice"],
            frame["text"] if "text" in frame.columns else [""] * len(frame), strict=True):
        if v != "":
            value.append(int(v))
        elif unsure == "1":
            value.append(None)
        else:
            raw = choice or text
            value.append(raw[1:] if raw.startswith("'") else raw if raw else None)
    frame["value"] = pd.Series(value, dtype=object, index=frame.index)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    for col in ("element", "space"):
        frame[col] = frame[col].where(frame[col] != "", None)
    if "round" in frame.columns:
        frame["round"] = pd.to_numeric(frame["round"]).astype("Int64")
    return frame


DEMO_KEY = b"trace-workbook demo pseudonyms, not a server key"
"""The key of demo exports: demo answers have no real tokens, so nothing needs hiding."""


def demo_export(n_workshops: int = 4, people: int = 40, *, seed: int = 0,
                structure: str = "factor",
                content: content_mod.Content | None = None) -> Export:
    """A research export of demo team workshops (no store), as :func:`export` would make.

    Each workshop is :func:`trace_widgets.demo.demo_answers` with its own seed; with the
    default ``structure="factor"`` every scale has a strong common factor, so reliability is
    high and a confirmatory model fits.

    Examples
    --------
    >>> made = demo_export(2, 5)
    >>> sorted(set(made.long["workshop"])), made.metadata["anonymity_floor"]
    (['DEMO1', 'DEMO2'], 3)
    """
    from . import demo  # noqa: PLC0415 - only demo exports need the demo generator

    c = content or content_mod.get()
    codes = [f"DEMO{n + 1}" for n in range(n_workshops)]
    answers = pd.concat([demo.demo_answers(people, seed=seed + n, workshop=code,
                                           structure=structure)
                         for n, code in enumerate(codes)], ignore_index=True)
    long = long_layout(answers, key=DEMO_KEY, kinds=dict.fromkeys(codes, "team"), content=c)
    return _assemble(long, c, include_text=False, history=False, k=None)


def load(source: Path | str | None = None) -> pd.DataFrame:
    """The answers of a long research file (or an export's folder), or demo data.

    ``None`` or ``""`` gives the long layout of :func:`demo_export`. The frame is read back
    with :func:`read_long`, so scoring and psychometrics read it as they read the store's.
    """
    if source is None or str(source) == "":
        return read_long(io.StringIO(demo_export().files()[FILES["long"]]))
    path = Path(source)
    return read_long(path / FILES["long"] if path.is_dir() else path)
