"""Reliability of the TRACE scales: alpha with its interval, omega, item statistics, agreement.

Pure pandas and numpy (no SciPy: the F quantile and the one-factor model are fitted here).
A *scale* is the statements of one condition in one space (``task.self``), or of one
condition across every space (``task``). Scores are reversed by :mod:`trace_widgets.scoring`
(its :func:`~trace_widgets.scoring.item_scores`), so a reverse-worded statement counts the
way the scale means it.

- Cronbach's alpha on complete cases, with Feldt's (1965; Feldt, Woodruff & Salih 1987)
  interval from the F distribution: the same statistic as ``pingouin.cronbach_alpha`` with
  ``nan_policy="listwise"``.
- McDonald's omega total from a one-factor maximum-likelihood model of the correlation
  matrix, fitted as R's ``factanal`` does (Joreskog's concentrated likelihood over the
  uniquenesses, bounded to [0.005, 1]), by a small Newton method.
- Per statement: corrected item-total correlation, alpha if the item is deleted (both on
  the scale's complete cases), mean, SD, share missing, share "not sure", floor and ceiling.
- Agreement of the members of a team workshop rating the same team: two-way random
  intraclass correlations (ICC(A,1) and ICC(A,k) of McGraw & Wong, 1996) with the
  statements of a space as targets, as ``pingouin.intraclass_corr`` computes them.

Examples
--------
>>> from trace_widgets import demo, psychometrics
>>> table = psychometrics.reliability(demo.demo_answers(30, structure="factor", seed=3))
>>> row = table.scales.set_index("scale").loc["task.self"]
>>> bool(row["alpha"] > 0.7 and row["omega"] > 0.7)
True
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import content as content_mod
from . import scoring

__all__ = [
    "AGREEMENT_COLUMNS",
    "ALPHA_MIN",
    "ITEM_COLUMNS",
    "ITEM_TOTAL_MIN",
    "SCALE_COLUMNS",
    "Alpha",
    "OneFactor",
    "Reliability",
    "agreement",
    "alpha_interval",
    "cfa_data",
    "cfa_model",
    "cronbach_alpha",
    "f_quantile",
    "icc",
    "item_matrix",
    "omega_total",
    "one_factor",
    "reliability",
]

ALPHA_MIN = 0.7
"""A scale whose alpha (or omega) is under this is flagged (Nunnally's common threshold)."""
ITEM_TOTAL_MIN = 0.3
"""A statement whose corrected item-total correlation is under this is flagged."""

SCALE_COLUMNS = (
    "scale", "element", "space", "items", "n", "n_any", "alpha", "alpha_low", "alpha_high",
    "omega", "heywood", "mean", "sd", "floor", "ceiling", "flag",
)
ITEM_COLUMNS = (
    "scale", "element", "space", "item", "reverse", "n", "mean", "sd", "missing", "not_sure",
    "floor", "ceiling", "item_total", "alpha_if_deleted", "flag",
)
AGREEMENT_COLUMNS = ("workshop", "space", "raters", "targets", "icc_a1", "icc_ak")

_PSI_LOW, _PSI_HIGH = 0.005, 1.0  # factanal's bounds on the uniquenesses


# --- the F distribution, for Feldt's interval -------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def f_quantile(p: float, df1: float, df2: float) -> float:
    """The ``p`` quantile of the F distribution with ``df1`` and ``df2`` degrees of freedom.

    Inverts the incomplete beta function by Newton steps kept inside a bisection bracket,
    on whichever side of the beta distribution keeps the digits (x or 1 - x).

    Examples
    --------
    >>> round(f_quantile(0.975, 10, 20), 6)  # tables: 2.774
    2.773671
    """
    if not 0.0 < p < 1.0 or df1 <= 0 or df2 <= 0:
        raise ValueError("need 0 < p < 1 and positive degrees of freedom")
    a, b = df1 / 2.0, df2 / 2.0
    # F = (b / a) x / (1 - x) with x ~ Beta(a, b). Solve for the smaller of x and 1 - x:
    # 1 - x ~ Beta(b, a), and P(X <= x) = p is P(1 - X <= 1 - x) = 1 - p.
    if a / (a + b) <= 0.5:
        x = _beta_quantile(p, a, b)
        return (b / a) * x / (1.0 - x)
    y = _beta_quantile(1.0 - p, b, a)
    return (b / a) * (1.0 - y) / y


def _beta_quantile(p: float, a: float, b: float) -> float:
    lo, hi = 0.0, 1.0
    x = a / (a + b)  # the mean of the beta distribution
    log_b = _log_beta(a, b)
    for _ in range(300):
        err = _betainc(a, b, x) - p
        if err > 0:
            hi = x
        else:
            lo = x
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_b)
        nxt = x - err / density if density > 0 else math.nan
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2.0
        if abs(nxt - x) <= 4e-16 * x:
            return nxt
        x = nxt
    return x


def alpha_interval(alpha: float, n: int, k: int, ci: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval of Cronbach's alpha from ``n`` people and ``k`` items.

    ``1 - (1 - alpha) F`` at the upper and lower ``(1 - ci) / 2`` points of F(n - 1,
    (n - 1)(k - 1)).

    Examples
    --------
    >>> [round(v, 3) for v in alpha_interval(0.8, 100, 5)]
    [0.731, 0.856]
    """
    if n < 2 or k < 2 or not math.isfinite(alpha):
        return math.nan, math.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1.0 - ci) / 2.0
    return (1.0 - (1.0 - alpha) * f_quantile(1.0 - tail, df1, df2),
            1.0 - (1.0 - alpha) * f_quantile(tail, df1, df2))


# --- alpha and omega on a complete matrix -----------------------------------------------------


@dataclass(frozen=True)
class Alpha:
    """Cronbach's alpha of ``k`` items over ``n`` complete cases, with its interval."""

    alpha: float
    low: float
    high: float
    n: int
    k: int


def _alpha(x: np.ndarray) -> float:
    n, k = x.shape
    if n < 2 or k < 2:
        return math.nan
    cov = np.cov(x, rowvar=False, ddof=1)
    total = float(cov.sum())
    if total <= 0:
        return math.nan
    return k / (k - 1) * (1.0 - float(np.trace(cov)) / total)


def cronbach_alpha(items: pd.DataFrame | np.ndarray, *, ci: float = 0.95) -> Alpha:
    """Cronbach's alpha of the columns of ``items`` over the rows with no missing value.

    Examples
    --------
    >>> a = cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5],
    ...                                  "c": [1, 3, 3, 4, 4]}))
    >>> round(a.alpha, 4), a.n, a.k
    (0.9538, 5, 3)
    """
    x = _complete(items)
    value = _alpha(x)
    low, high = alpha_interval(value, x.shape[0], x.shape[1], ci)
    return Alpha(value, low, high, x.shape[0], x.shape[1])


def _complete(items: pd.DataFrame | np.ndarray) -> np.ndarray:
    x = np.asarray(items, dtype=np.float64)
    return x[~np.isnan(x).any(axis=1)]


@dataclass(frozen=True)
class OneFactor:
    """A one-factor maximum-likelihood model of a correlation matrix (standardised)."""

    loadings: np.ndarray
    uniquenesses: np.ndarray
    converged: bool
    iterations: int

    @property
    def heywood(self) -> bool:
        """A uniqueness sits on its lower bound: an improper solution, omega not meaningful.

        One factor fitted to items that share nothing (noise) often ends so, with one item
        "explaining" the factor alone.
        """
        return bool(np.any(self.uniquenesses <= _PSI_LOW * (1 + 1e-9)))

    @property
    def omega(self) -> float:
        """McDonald's omega total: (sum of loadings)^2 over itself plus the uniquenesses.

        NaN for a Heywood case (see :attr:`heywood`).
        """
        if self.heywood:
            return math.nan
        common = float(self.loadings.sum()) ** 2
        return common / (common + float((1.0 - self.loadings**2).sum()))


def _fa_parts(psi: np.ndarray, r: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Concentrated ML discrepancy, its gradient and the loadings at uniquenesses ``psi``."""
    scale = 1.0 / np.sqrt(psi)
    values, vectors = np.linalg.eigh(r * np.outer(scale, scale))
    rest = values[:-1]  # eigh sorts ascending: the last is the factor's
    f = -float(np.sum(np.log(rest) - rest)) - 1.0 + len(psi)
    loadings = np.sqrt(psi) * vectors[:, -1] * math.sqrt(max(values[-1] - 1.0, 0.0))
    grad = (loadings**2 + psi - np.diag(r)) / psi**2
    return f, grad, loadings


def one_factor(corr: np.ndarray, *, tol: float = 1e-8, max_iter: int = 200) -> OneFactor:
    """Fit one factor by maximum likelihood to a correlation matrix (as ``factanal`` does).

    Minimises Joreskog's concentrated discrepancy over the uniquenesses within [0.005, 1]
    by Newton steps (the Hessian from differences of the exact gradient), with a backtracking
    line search and the bounds kept by an active set.

    Examples
    --------
    >>> lam = np.array([0.8, 0.7, 0.6])
    >>> fit = one_factor(np.outer(lam, lam) + np.diag(1 - lam**2))
    >>> np.round(fit.loadings, 6).tolist(), fit.converged
    ([0.8, 0.7, 0.6], True)
    """
    r = np.asarray(corr, dtype=np.float64)
    p = r.shape[0]
    try:
        psi = (1.0 - 0.5 / p) / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        psi = np.full(p, 0.5)
    psi = np.clip(psi, _PSI_LOW, _PSI_HIGH)
    f, grad, loadings = _fa_parts(psi, r)
    converged, it = False, 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        free = ~(((psi <= _PSI_LOW) & (grad > 0)) | ((psi >= _PSI_HIGH) & (grad < 0)))
        if not free.any() or np.max(np.abs(grad[free])) < tol:
            converged = True
            break
        step = _newton_step(psi, r, grad, free)
        t = 1.0
        while t > 1e-12:
            trial = np.clip(psi - t * step, _PSI_LOW, _PSI_HIGH)
            f_new, g_new, l_new = _fa_parts(trial, r)
            if f_new <= f - 1e-4 * t * float(grad @ step) or f_new < f:
                break
            t /= 2.0
        else:
            converged = True  # no decrease left to find: a minimum to machine precision
            break
        moved = float(np.max(np.abs(trial - psi)))
        psi, f, grad, loadings = trial, f_new, g_new, l_new
        if moved < 1e-13:  # the gradient is down to rounding noise
            converged = True
            break
    if loadings.sum() < 0:
        loadings = -loadings
    return OneFactor(loadings, psi, converged, it)


def _newton_step(psi: np.ndarray, r: np.ndarray, grad: np.ndarray,
                 free: np.ndarray) -> np.ndarray:
    idx = np.flatnonzero(free)
    h = np.empty((len(idx), len(idx)))
    for col, i in enumerate(idx):
        eps = 1e-6 * max(psi[i], 1e-3)
        up, down = psi.copy(), psi.copy()
        up[i] += eps
        down[i] -= eps
        h[:, col] = (_fa_parts(up, r)[1][idx] - _fa_parts(down, r)[1][idx]) / (2 * eps)
    h = (h + h.T) / 2.0
    step = np.zeros_like(psi)
    g = grad[idx]
    try:
        s = np.linalg.solve(h, g)
        if float(g @ s) <= 0 or not np.all(np.isfinite(s)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        s = g  # not convex here: steepest descent
    step[idx] = s
    return step


def omega_total(items: pd.DataFrame | np.ndarray) -> float:
    """McDonald's omega total of the columns of ``items`` (complete cases, one ML factor).

    NaN with fewer than three items (one factor is not identified by two), too few complete
    cases or a singular correlation matrix, an item that does not vary, a fit that did not
    converge, or a Heywood case (:attr:`OneFactor.heywood`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 1))
    >>> x = f @ np.array([[0.8, 0.7, 0.6, 0.7]]) + rng.normal(scale=0.6, size=(500, 4))
    >>> bool(0.8 < omega_total(x) < 0.9)
    True
    """
    fit = _fit(_complete(items))
    return math.nan if fit is None else fit.omega


def _fit(x: np.ndarray) -> OneFactor | None:
    n, k = x.shape
    if k < 3 or n <= k or np.any(x.std(axis=0) == 0):
        return None
    r = np.corrcoef(x, rowvar=False)
    # A singular correlation matrix (too few people for the items, or an item that is a
    # sum of others) has no maximum-likelihood fit.
    if np.linalg.eigvalsh(r)[0] <= 1e-8:
        return None
    fit = one_factor(r)
    return fit if fit.converged else None


# --- the scales of the content ----------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    """The reliability table: one row per scale and one per statement in each scale."""

    scales: pd.DataFrame
    items: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Scales and their statements in one frame (``level`` says which), for CSV."""
        scales = self.scales.assign(level="scale", item="")
        items = self.items.assign(level="item")
        order = ["level", "scale", "element", "space", "item"]
        both = pd.concat([scales, items], ignore_index=True, sort=False)
        both["_rank"] = (both["level"] == "item").astype(int)
        both["_scale"] = pd.Categorical(both["scale"], categories=list(self.scales["scale"]))
        both = both.sort_values(["_scale", "_rank"], kind="stable").drop(columns=["_rank",
                                                                                "_scale"])
        rest = [c for c in both.columns if c not in order]
        return both[order + rest].reset_index(drop=True)


def item_matrix(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
                raters: Collection[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored statements as a participant x item matrix, and which cells were "not sure".

    Uses :func:`trace_widgets.scoring.item_scores` (latest answer per participant and item,
    reverse-worded statements turned round). A participant who rated under several roles
    (a rater answering for two leaders) is one row per (participant, rater).

    Returns
    -------
    (scores, not_sure)
        Both indexed by (participant, rater) with one column per rating statement in content
        order; ``scores`` is NaN where there is no usable answer, ``not_sure`` is True where
        the latest answer was "not sure".
    """
    c = content or content_mod.get()
    rated = scoring.item_scores(answers, c)
    if raters is not None:
        rated = rated.loc[rated["rater"].isin(list(raters))]
    ids = [s.id for _, s in c.statements()]
    # Codes, not a MultiIndex of strings: factorising 800,000 string pairs took seconds.
    person, people = pd.factorize(rated["participant"].astype(str), sort=True)
    role, roles = pd.factorize(rated["rater"].astype(str), sort=True)
    row, pairs = pd.factorize(person.astype(np.int64) * max(len(roles), 1) + role, sort=True)
    index = list(zip(np.asarray(people)[pairs // max(len(roles), 1)],
                     np.asarray(roles)[pairs % max(len(roles), 1)], strict=True))
    col = pd.Index(ids).get_indexer(rated["item"].astype(str))
    scores = np.full((len(index), len(ids)), np.nan)
    not_sure = np.zeros((len(index), len(ids)), dtype=bool)
    # item_scores keeps one row per participant and item: each cell is set once.
    scores[row, col] = rated["score"].to_numpy(dtype=np.float64)
    not_sure[row, col] = rated["value"].isna().to_numpy()
    names = pd.MultiIndex.from_tuples(list(index), names=["participant", "rater"]) \
        if index else pd.MultiIndex.from_arrays([[], []], names=["participant", "rater"])
    return (pd.DataFrame(scores, index=names, columns=ids),
            pd.DataFrame(not_sure, index=names, columns=ids))


def _scales(c: content_mod.Content) -> list[tuple[str, str, str, list[str]]]:
    """(scale id, element, space, item ids): each cell, then each element across spaces."""
    out = [(f"{cell.element}.{cell.space}", cell.element, cell.space,
            [s.id for s in cell.statements]) for cell in c.cells.values()]
    for e in c.elements:
        ids = [s.id for cell in c.cells.values() if cell.element == e.id
               for s in cell.statements]
        out.append((e.id, e.id, "", ids))
    return out


def reliability(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
                raters: Collection[str] | None = None, ci: float = 0.95) -> Reliability:
    """The reliability of every scale: each condition in each space, and across spaces.

    Parameters
    ----------
    answers
        Tidy answers (a store frame, demo answers or a research export read back).
    content
        The content (default :func:`trace_widgets.content.get`).
    raters
        Only these rater roles (default all: self-ratings and others' ratings together).
    ci
        Coverage of alpha's interval.

    Returns
    -------
    Reliability
        ``scales`` with :data:`SCALE_COLUMNS` (``n`` complete cases, ``n_any`` anyone who
        rated a statement of the scale; mean, sd, floor and ceiling of the scale mean over
        complete cases; ``heywood`` when the one-factor fit is improper, so omega is NaN;
        ``flag`` when alpha or omega is under :data:`ALPHA_MIN` or the fit is improper) and
        ``items`` with :data:`ITEM_COLUMNS` (mean, sd, floor and ceiling of the scored
        answers; missing and not_sure as shares of ``n_any``; ``flag`` when the corrected
        item-total correlation is under :data:`ITEM_TOTAL_MIN`).
    """
    c = content or content_mod.get()
    scores, not_sure = item_matrix(answers, c, raters=raters)
    low, high = float(c.scale.low), float(c.scale.high)
    values = scores.to_numpy(dtype=np.float64)
    unsure = not_sure.to_numpy(dtype=bool)
    col = {item: n for n, item in enumerate(scores.columns)}
    scale_rows: list[dict[str, object]] = []
    item_rows: list[dict[str, object]] = []
    for scale, element, space, ids in _scales(c):
        cols = [col[i] for i in ids]
        x_all = values[:, cols]
        base = ~np.isnan(x_all).all(axis=1) | unsure[:, cols].any(axis=1)
        x_any, u_any = x_all[base], unsure[base][:, cols]
        x = x_any[~np.isnan(x_any).any(axis=1)]
        a = cronbach_alpha(x, ci=ci)
        fit = _fit(x)
        omega = math.nan if fit is None else fit.omega
        heywood = fit is not None and fit.heywood
        total = x.mean(axis=1) if len(x) else np.zeros(0)
        scale_rows.append({
            "scale": scale, "element": element, "space": space, "items": len(ids),
            "n": a.n, "n_any": int(base.sum()), "alpha": a.alpha, "alpha_low": a.low,
            "alpha_high": a.high, "omega": omega, "heywood": heywood,
            "mean": _mean(total), "sd": _sd(total),
            "floor": _share(total == low), "ceiling": _share(total == high),
            "flag": _below(a.alpha, ALPHA_MIN) or _below(omega, ALPHA_MIN) or heywood,
        })
        item_total, if_deleted = _item_total(x), _if_deleted(x)
        for j, item in enumerate(ids):
            given = x_any[:, j][~np.isnan(x_any[:, j])]
            n_any = len(x_any)
            item_rows.append({
                "scale": scale, "element": element, "space": space, "item": item,
                "reverse": c.item(item).reverse, "n": len(given),
                "mean": _mean(given), "sd": _sd(given),
                "missing": (float(np.mean(np.isnan(x_any[:, j]) & ~u_any[:, j]))
                            if n_any else math.nan),
                "not_sure": float(np.mean(u_any[:, j])) if n_any else math.nan,
                "floor": _share(given == low), "ceiling": _share(given == high),
                "item_total": item_total[j], "alpha_if_deleted": if_deleted[j],
                "flag": _below(item_total[j], ITEM_TOTAL_MIN),
            })
    return Reliability(pd.DataFrame(scale_rows, columns=list(SCALE_COLUMNS)),
                       pd.DataFrame(item_rows, columns=list(ITEM_COLUMNS)))


def _below(value: float, threshold: float) -> bool:
    return bool(math.isfinite(value) and value < threshold)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else math.nan


def _sd(x: np.ndarray) -> float:
    return float(x.std(ddof=1)) if len(x) > 1 else math.nan


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else math.nan


def _item_total(x: np.ndarray) -> np.ndarray:
    """Correlation of each column with the sum of the others (the corrected item-total)."""
    n, k = x.shape
    out = np.full(k, math.nan)
    if n < 3 or k < 2:
        return out
    total = x.sum(axis=1)
    for j in range(k):
        rest = total - x[:, j]
        if x[:, j].std() > 0 and rest.std() > 0:
            out[j] = float(np.corrcoef(x[:, j], rest)[0, 1])
    return out


def _if_deleted(x: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    return np.array([_alpha(np.delete(x, j, axis=1)) if k > 2 else math.nan
                     for j in range(k)])


# --- agreement within team workshops ----------------------------------------------------------


def icc(matrix: np.ndarray) -> dict[str, float]:
    """The six ANOVA intraclass correlations of a complete targets x raters matrix.

    Keys as pingouin names them: ``ICC1``, ``ICC2`` (absolute agreement, ICC(A,1)),
    ``ICC3`` (consistency), and the ``k`` forms (the mean of ``k`` raters).

    Examples
    --------
    >>> m = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6],
    ...               [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)  # Shrout & Fleiss (1979)
    >>> {k: round(v, 2) for k, v in icc(m).items()}
    {'ICC1': 0.17, 'ICC2': 0.29, 'ICC3': 0.71, 'ICC1k': 0.44, 'ICC2k': 0.62, 'ICC3k': 0.91}
    """
    x = np.asarray(matrix, dtype=np.float64)
    n, k = x.shape
    grand = x.mean()
    ss_targets = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_raters = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_error = ss_total - ss_targets - ss_raters
    msb = ss_targets / (n - 1)
    msj = ss_raters / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    msw = (ss_raters + ss_error) / (n * (k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ICC1": (msb - msw) / (msb + (k - 1) * msw),
            "ICC2": (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n),
            "ICC3": (msb - mse) / (msb + (k - 1) * mse),
            "ICC1k": (msb - msw) / msb,
            "ICC2k": (msb - mse) / (msb + (msj - mse) / n),
            "ICC3k": (msb - mse) / msb,
        }


def agreement(answers: pd.DataFrame, content: content_mod.Content | None = None, *,
              workshops: Collection[str] | None = None, min_raters: int = 3) -> pd.DataFrame:
    """How far the members of a team workshop agree when they rate the same team.

    For each workshop and space, the targets are the space's statements (scored) and the
    raters its participants; a statement that not everyone rated is left out (complete
    data, as the two-way ANOVA needs). Workshops with fewer than ``min_raters`` raters (the
    anonymity floor) or fewer than three complete statements give no row.

    Parameters
    ----------
    answers
        Tidy answers; ``workshop_kind`` (a research export has it) picks the team workshops.
    workshops
        The workshops to use (default: every ``team`` workshop when ``workshop_kind`` is
        there, else every workshop).
    min_raters
        The fewest raters a figure is given for.

    Returns
    -------
    DataFrame
        :data:`AGREEMENT_COLUMNS`: ``icc_a1`` is ICC(A,1), the agreement of one member with
        another; ``icc_ak`` is ICC(A,k), the reliability of the team's mean.
    """
    c = content or content_mod.get()
    frame = answers.loc[answers["workshop"].astype(str) != ""]
    if workshops is not None:
        frame = frame.loc[frame["workshop"].isin(list(workshops))]
    elif "workshop_kind" in frame.columns:
        frame = frame.loc[frame["workshop_kind"] == "team"]
    rows: list[dict[str, object]] = []
    for code, part in frame.groupby("workshop", sort=True):
        scores, _ = item_matrix(part, c)
        for space in c.spaces:
            ids = [s.id for cell in c.cells.values() if cell.space == space.id
                   for s in cell.statements]
            m = scores[ids]
            m = m.loc[m.notna().any(axis=1)]
            complete = m.T.dropna(axis=0, how="any").to_numpy(dtype=np.float64)
            if m.shape[0] < min_raters or complete.shape[0] < 3:
                continue
            found = icc(complete)
            rows.append({"workshop": code, "space": space.id, "raters": m.shape[0],
                         "targets": complete.shape[0], "icc_a1": found["ICC2"],
                         "icc_ak": found["ICC2k"]})
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


# --- a confirmatory model of the five conditions ----------------------------------------------


def _variable(item: str) -> str:
    """An item id as a model variable name (model syntax reads dots as operators)."""
    return item.replace(".", "_")


def cfa_model(space: str, content: content_mod.Content | None = None) -> str:
    """A confirmatory model of the conditions in one space, in lavaan / semopy syntax.

    One factor per condition, measured by its statements (variables named as
    :func:`cfa_data` names them); the factors correlate freely.

    Examples
    --------
    >>> print(cfa_model("team").splitlines()[0])
    task =~ task_team_s1 + task_team_s2 + task_team_s3 + task_team_s4
    """
    c = content or content_mod.get()
    c.space(space)
    return "\n".join(f"{cell.element} =~ " + " + ".join(_variable(s.id) for s in cell.statements)
                     for cell in c.cells.values() if cell.space == space)


def cfa_data(answers: pd.DataFrame, space: str,
             content: content_mod.Content | None = None) -> pd.DataFrame:
    """The scored statements of one space for :func:`cfa_model`: complete cases only.

    Reverse-worded statements are scored by :mod:`trace_widgets.scoring`, so every loading
    of a condition is expected to be positive.
    """
    c = content or content_mod.get()
    ids = [s.id for cell in c.cells.values() if cell.space == space for s in cell.statements]
    scores, _ = item_matrix(answers, c)
    return (scores[ids].dropna().rename(columns=_variable).reset_index(drop=True))
