"""Sweep building blocks: parameter spaces, objectives and constraints, walk-forward folds."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from nautilus_platform.backtest.sweep.objective import Constraint, Objective
from nautilus_platform.backtest.sweep.space import ParamSpace, candidate_key, parse_dimension
from nautilus_platform.backtest.sweep.walkforward import count_rows, folds
from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.examples import MovingAverageCross

DECLARED = MovingAverageCross.parameters()


def test_grid_lists_ranges_and_exact_decimal_steps() -> None:
    space = ParamSpace.parse(["fast=5:20:5", "slow=30,40", "threshold=0.1:0.3:0.1"], DECLARED)
    assert space.grid_size() == 4 * 2 * 3
    candidates = list(space.grid())
    assert candidates[0] == {"fast": 5, "slow": 30, "threshold": 0.1}
    assert candidates[-1] == {"fast": 20, "slow": 40, "threshold": 0.3}
    assert [c["threshold"] for c in candidates[:3]] == [0.1, 0.2, 0.3]  # not 0.30000000000000004
    assert parse_dimension("quantity=10:30:10", DECLARED).grid_values() == (Decimal(10), Decimal(20), Decimal(30))
    assert parse_dimension("fast=3:5", DECLARED).grid_values() == (3, 4, 5)  # whole numbers step by 1


def test_fixed_parameters_join_every_candidate() -> None:
    space = ParamSpace.parse(["fast=5,10"], DECLARED, {"slow": 50})
    assert list(space.grid()) == [{"slow": 50, "fast": 5}, {"slow": 50, "fast": 10}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope=1,2", "is not a parameter of the strategy"),
        ("fast", "must be NAME=v1,v2"),
        ("fast=1:x", "must be a number"),
        ("fast=10:5", "stop must not be below start"),
        ("fast=1:5:0", "step must be positive"),
        ("fast=0,5", "must be >= 1"),
        ("fast=1.5,2", "must be a whole number"),
        ("allow_short=0:1", "a range needs a numeric parameter"),
        ("fast=5,5", "lists a value twice"),
    ],
)
def test_bad_dimensions_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_dimension(text, DECLARED)


def test_a_float_range_without_step_cannot_be_a_grid_but_can_be_sampled() -> None:
    dimension = parse_dimension("threshold=0:0.5", DECLARED)
    with pytest.raises(ValidationError, match="needs a step"):
        dimension.grid_values()
    space = ParamSpace.parse(["threshold=0:0.5", "fast=2:9"], DECLARED)
    sample = space.random(20, seed=3)
    assert len(sample) == 20 and len({candidate_key(c) for c in sample}) == 20
    assert all(0 <= c["threshold"] <= 0.5 and 2 <= c["fast"] <= 9 for c in sample)
    assert sample == space.random(20, seed=3)  # same seed, same candidates
    assert sample != space.random(20, seed=4)


def test_random_search_without_grid_uses_declared_bounds() -> None:
    space = ParamSpace.parse([], DECLARED, {"fast": 5}).with_declared(DECLARED)
    assert "fast" not in space.names and {"slow", "allow_short"} <= set(space.names)
    for candidate in space.random(5, seed=1):
        assert 2 <= candidate["slow"] <= 100_000 and candidate["fast"] == 5


def test_a_small_space_gives_fewer_random_candidates_not_duplicates() -> None:
    space = ParamSpace.parse(["fast=2,3"], DECLARED)
    assert sorted(c["fast"] for c in space.random(10, seed=0)) == [2, 3]


def test_varying_a_fixed_parameter_is_refused() -> None:
    with pytest.raises(ValidationError, match="both fixed"):
        ParamSpace.parse(["fast=2,3"], DECLARED, {"fast": 4})
    with pytest.raises(ValidationError, match="one --grid only"):
        ParamSpace.parse(["fast=2,3", "fast=4"], DECLARED)


def test_constraints_parse_percentages_and_compare_drawdown_as_magnitude() -> None:
    dd = Constraint.parse("max_drawdown<20%")
    assert (dd.metric, dd.op, dd.value) == ("max_drawdown", "<", 0.2)
    assert dd.holds({"max_drawdown": -0.1}) and not dd.holds({"max_drawdown": -0.25})
    trades = Constraint.parse("trades >= 10")
    assert trades.holds({"trades": 10.0}) and not trades.holds({"trades": 9.0})
    assert not trades.holds({"trades": math.nan}) and not trades.holds({})
    for text, message in [("sharpe", "must be METRIC OP VALUE"), ("bogus<1", "must be one of")]:
        with pytest.raises(ValidationError, match=message):
            Constraint.parse(text)


def test_objective_direction_feasibility_and_score() -> None:
    sharpe = Objective("sharpe", constraints=(Constraint.parse("max_drawdown<20%"),))
    assert sharpe.maximize and sharpe.direction == "maximize"
    assert sharpe.score({"sharpe": 1.5, "max_drawdown": -0.1}) == 1.5
    assert sharpe.score({"sharpe": 1.5, "max_drawdown": -0.3}) == -math.inf  # constraint broken
    assert sharpe.score({"sharpe": math.nan, "max_drawdown": 0.0}) == -math.inf  # cannot be ranked
    volatility = Objective("volatility")
    assert not volatility.maximize and volatility.score({"volatility": 0.2}) == -0.2
    assert Objective("volatility", maximize=True).maximize
    with pytest.raises(ValidationError, match="metric"):
        Objective("nope")


def test_rolling_and_anchored_folds() -> None:
    rolling = folds(0, 1000, 2, train_ratio=3)  # unit 200: train 3 units, test 1 unit
    assert [(f.train_start, f.train_end, f.test_start, f.test_end) for f in rolling] == [
        (0, 600, 600, 800),
        (200, 800, 800, 1000),
    ]
    anchored = folds(0, 1000, 2, train_ratio=3, anchored=True)
    assert [(f.train_start, f.train_end) for f in anchored] == [(0, 600), (0, 800)]
    assert folds(0, 1001, 3, train_ratio=1)[-1].test_end == 1001  # the last fold reaches the end
    with pytest.raises(ValidationError, match="too many folds"):
        folds(0, 5, 10)
    with pytest.raises(ValidationError, match="positive whole number"):
        folds(0, 100, 0)


def test_fold_windows_count_their_rows_and_an_empty_window_is_refused() -> None:
    splits = folds(0, 1000, 2, train_ratio=3)  # windows [0,600) [600,800) and [200,800) [800,1000)
    a = np.arange(0, 1000, 100, dtype=np.int64)  # 0, 100, ..., 900
    b = np.array([650, 950], dtype=np.int64)
    counted = count_rows(splits, [a, b])
    assert [(f.train_rows, f.test_rows) for f in counted] == [(6, 3), (7, 3)]
    gap = np.array([0, 100, 200, 300, 400, 500, 900], dtype=np.int64)  # nothing in [600, 800)
    with pytest.raises(ValidationError, match=r"fold 0's test window 1970-01-01 00:00:00 to .* holds no data"):
        count_rows(splits, [gap])
