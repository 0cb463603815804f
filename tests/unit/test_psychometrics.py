"""Reliability statistics against maintained references (pingouin, semopy, SciPy) on demo data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import semopy
from scipy import stats

from trace_widgets import answers, content, demo, psychometrics, scoring


@pytest.fixture(scope="module")
def team() -> pd.DataFrame:
    """The demo team structure: moderate reliability, missing and "not sure" answers."""
    return demo.demo_answers(160, seed=5)


@pytest.fixture(scope="module")
def factor() -> pd.DataFrame:
    return demo.demo_answers(200, seed=6, structure="factor")


@pytest.fixture(scope="module")
def noise() -> pd.DataFrame:
    return demo.demo_answers(400, seed=7, structure="noise")


def _scales() -> dict[str, list[str]]:
    c = content.get()
    out = {f"{cell.element}.{cell.space}": [s.id for s in cell.statements]
           for cell in c.cells.values()}
    for e in c.elements:
        out[e.id] = [s.id for cell in c.cells.values() if cell.element == e.id
                     for s in cell.statements]
    return out


def _complete(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    scores, _ = psychometrics.item_matrix(frame)
    return scores[ids].dropna().reset_index(drop=True)


def test_f_quantile_matches_scipy() -> None:
    for p, d1, d2 in itertools.product([0.001, 0.025, 0.5, 0.975, 0.999],
                                       [1, 2, 7, 99, 4999], [2, 5, 60, 2000, 14997]):
        assert psychometrics.f_quantile(p, d1, d2) == pytest.approx(
            stats.f.ppf(p, d1, d2), rel=1e-9, abs=0), (p, d1, d2)
    with pytest.raises(ValueError):
        psychometrics.f_quantile(1.0, 3, 4)


def test_alpha_and_feldt_interval_equal_pingouin_on_every_scale(team: pd.DataFrame) -> None:
    table = psychometrics.reliability(team).scales.set_index("scale")
    scores, _ = psychometrics.item_matrix(team)
    for scale, ids in _scales().items():
        # Complete cases passed in: pingouin's listwise interval counts the dropped rows in n.
        ref, ci = pg.cronbach_alpha(scores[ids].dropna())
        row = table.loc[scale]
        assert row["alpha"] == pytest.approx(ref, abs=1e-9), scale
        assert row["n"] == len(scores[ids].dropna())
        # pingouin rounds its interval to 3 decimals; SciPy's F gives the same formula exact.
        assert row["alpha_low"] == pytest.approx(ci[0], abs=5e-4 + 1e-12)
        assert row["alpha_high"] == pytest.approx(ci[1], abs=5e-4 + 1e-12)
        n, k = int(row["n"]), len(ids)
        exact = (1 - (1 - ref) * stats.f.isf(0.025, n - 1, (n - 1) * (k - 1)),
                 1 - (1 - ref) * stats.f.isf(0.975, n - 1, (n - 1) * (k - 1)))
        assert (row["alpha_low"], row["alpha_high"]) == pytest.approx(exact, abs=1e-9)


def test_item_total_and_alpha_if_deleted_equal_references(team: pd.DataFrame) -> None:
    items = psychometrics.reliability(team).items
    for scale in ("task.team", "energy.system", "route"):
        ids = _scales()[scale]
        x = _complete(team, ids)
        mine = items.loc[items["scale"] == scale].set_index("item")
        for item in ids:
            rest = x.drop(columns=item)
            assert mine.loc[item, "alpha_if_deleted"] == pytest.approx(
                pg.cronbach_alpha(rest)[0], abs=1e-9)
            assert mine.loc[item, "item_total"] == pytest.approx(
                x[item].corr(rest.sum(axis=1)), abs=1e-9)
            assert mine.loc[item, "flag"] == (mine.loc[item, "item_total"] < 0.3)


def _semopy_omega(x: pd.DataFrame) -> tuple[float, np.ndarray]:
    data = x.set_axis([f"x{i}" for i in range(x.shape[1])], axis=1)
    model = semopy.Model("f =~ " + " + ".join(data.columns))
    model.fit(data)  # maximum likelihood (MLW) is semopy's default objective
    est = model.inspect(std_est=True)
    lam = est.loc[(est["op"] == "~") & (est["rval"] == "f"), "Est. Std"].to_numpy(float)
    common = lam.sum() ** 2
    return common / (common + (1 - lam**2).sum()), lam


def _discrepancy(lam: np.ndarray, r: np.ndarray) -> float:
    sigma = np.outer(lam, lam) + np.diag(1 - lam**2)
    return float(np.log(np.linalg.det(sigma)) + np.trace(r @ np.linalg.inv(sigma))
                 - np.log(np.linalg.det(r)) - len(lam))


@pytest.mark.parametrize("scale", ["task.self", "alignment.team", "capability.organisation",
                                   "energy.system", "route"])
def test_omega_matches_semopy_one_factor_ml(factor: pd.DataFrame, scale: str) -> None:
    x = _complete(factor, _scales()[scale])
    ref, lam = _semopy_omega(x)
    r = np.corrcoef(x.to_numpy(), rowvar=False)
    fit = psychometrics.one_factor(r)
    assert fit.converged
    assert not fit.heywood
    assert psychometrics.omega_total(x) == pytest.approx(ref, abs=1e-4)
    row = psychometrics.reliability(factor).scales.set_index("scale").loc[scale]
    assert row["omega"] == pytest.approx(ref, abs=1e-4)
    # Both minimise the same ML discrepancy; ours stops at least as low as semopy's.
    assert _discrepancy(fit.loadings, r) <= _discrepancy(lam, r) + 1e-12


def test_one_factor_recovers_an_exact_model() -> None:
    lam = np.array([0.9, 0.75, 0.6, 0.45, 0.3])
    fit = psychometrics.one_factor(np.outer(lam, lam) + np.diag(1 - lam**2))
    assert fit.converged
    np.testing.assert_allclose(fit.loadings, lam, atol=1e-9)
    assert fit.omega == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()),
                                      abs=1e-9)


def test_strong_common_factor_is_reliable(factor: pd.DataFrame) -> None:
    scales = psychometrics.reliability(factor).scales
    assert (scales["alpha"] > 0.7).all(), scales[["scale", "alpha"]]
    assert (scales["omega"] > 0.7).all(), scales[["scale", "omega"]]
    assert not scales["flag"].any()


def test_noise_is_not_reliable(noise: pd.DataFrame) -> None:
    scales = psychometrics.reliability(noise).scales
    assert (scales["alpha"] < 0.3).all(), scales[["scale", "alpha"]]
    # One factor fitted to noise is often improper (one item takes the factor alone): its
    # omega is withheld and the scale flagged; every proper fit is low.
    proper = scales.loc[~scales["heywood"] & scales["omega"].notna()]
    assert len(proper) >= 10
    assert (proper["omega"] < 0.3).all(), proper[["scale", "omega"]]
    assert scales.loc[scales["heywood"], "omega"].isna().all()
    assert scales["flag"].all()


def test_item_shares_missing_not_sure_floor_and_ceiling() -> None:
    tokens = [f"{c}" * 22 for c in "abcd"]
    rows = []
    values = {  # task.self.s2 is reverse-worded: 5 scores 1 (floor), 1 scores 5 (ceiling)
        tokens[0]: {"task.self.s1": 5, "task.self.s2": 5, "task.self.s3": 4, "task.self.s4": 4},
        tokens[1]: {"task.self.s1": 1, "task.self.s2": 1, "task.self.s3": 2, "task.self.s4": 1},
        tokens[2]: {"task.self.s1": 3, "task.self.s2": None, "task.self.s3": 3},
        tokens[3]: {"task.self.s1": 4, "task.self.s2": 2, "task.self.s3": 5, "task.self.s4": 5},
    }
    for token, given in values.items():
        rows += [answers.make(token, item, v) for item, v in given.items()]
    frame = answers.to_frame(rows)
    items = psychometrics.reliability(frame).items.query("scale == 'task.self'").set_index("item")
    s2 = items.loc["task.self.s2"]
    assert (s2["n"], s2["not_sure"], s2["missing"]) == (3, 0.25, 0.0)
    assert (s2["floor"], s2["ceiling"]) == pytest.approx((1 / 3, 1 / 3))
    assert s2["mean"] == pytest.approx((1 + 5 + 4) / 3)
    s4 = items.loc["task.self.s4"]
    assert (s4["n"], s4["missing"], s4["not_sure"]) == (3, 0.25, 0.0)
    # The scores are scoring's own (reverse items turned round there, not here).
    ref = scoring.item_scores(frame).groupby("item")["score"].mean()
    assert items.loc["task.self.s2", "mean"] == pytest.approx(ref["task.self.s2"])
    scale = psychometrics.reliability(frame).scales.set_index("scale").loc["task.self"]
    assert (scale["n"], scale["n_any"]) == (3, 4)


def test_agreement_equals_pingouin_icc(team: pd.DataFrame) -> None:
    two = pd.concat([demo.demo_answers(8, seed=11, workshop="TEAMA"),
                     demo.demo_answers(6, seed=12, workshop="TEAMB"),
                     demo.demo_answers(2, seed=13, workshop="PAIR")], ignore_index=True)
    found = psychometrics.agreement(two)
    assert set(found["workshop"]) == {"TEAMA", "TEAMB"}  # PAIR is under the floor of 3
    c = content.get()
    for _, row in found.iterrows():
        part = two.loc[two["workshop"] == row["workshop"]]
        ids = [s.id for cell in c.cells.values() if cell.space == row["space"]
               for s in cell.statements]
        scored = scoring.item_scores(part)
        long = scored.loc[scored["item"].isin(ids), ["participant", "item", "score"]].dropna()
        ref = pg.intraclass_corr(long, targets="item", raters="participant", ratings="score",
                                 nan_policy="omit").set_index("Type")
        assert row["icc_a1"] == pytest.approx(ref.loc["ICC(A,1)", "ICC"], abs=1e-9)
        assert row["icc_ak"] == pytest.approx(ref.loc["ICC(A,k)", "ICC"], abs=1e-9)
        assert row["targets"] == long.pivot(index="item", columns="participant",
                                            values="score").dropna().shape[0]


def test_icc_of_shrout_and_fleiss_equals_pingouin() -> None:
    m = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
                  [6, 2, 4, 7]], dtype=float)
    long = pd.DataFrame([(t, r, m[t, r]) for t in range(6) for r in range(4)],
                        columns=["t", "r", "v"])
    ref = pg.intraclass_corr(long, targets="t", raters="r", ratings="v").set_index("Type")
    names = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)", "ICC1k": "ICC(1,k)",
             "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)"}
    for mine, theirs in names.items():
        assert psychometrics.icc(m)[mine] == pytest.approx(ref.loc[theirs, "ICC"], abs=1e-9)


def test_table_puts_each_scale_before_its_items(team: pd.DataFrame) -> None:
    rel = psychometrics.reliability(team)
    table = rel.table()
    assert len(table) == len(rel.scales) + len(rel.items)
    first = table.iloc[:5]
    assert first["level"].tolist() == ["scale", "item", "item", "item", "item"]
    assert set(first["scale"]) == {"task.self"}
    assert not math.isnan(table.loc[0, "alpha"])


def test_the_confirmatory_model_of_five_conditions_fits_factor_data(factor: pd.DataFrame) -> None:
    description = psychometrics.cfa_model("team")
    assert len(description.splitlines()) == len(content.get().elements)
    data = psychometrics.cfa_data(factor, "team")
    assert data.notna().all().all()
    model = semopy.Model(description)
    model.fit(data)
    fit = semopy.calc_stats(model).T
    assert float(fit.loc["CFI"].iloc[0]) > 0.95
    est = model.inspect(std_est=True)
    loadings = est.loc[est["op"] == "~", "Est. Std"].astype(float)
    assert (loadings > 0.5).all()
