"""The resampling of --bootstrap (dashgrn._bootstrap), checked by hand: trajectories drawn with
replacement from the member's own seed stream, every pair once per draw of its trajectory, the
out-of-bag trajectories validating; blocks of consecutive pairs for a single trajectory."""

from __future__ import annotations

import numpy as np
import pytest

from dashgrn._bootstrap import BOOTSTRAP_STREAM, block_length, bootstrap_record, draw_member, pair_units

# 3 trajectories with 3, 2 and 4 pairs (pairs of a trajectory consecutive, as make_pairs lays them out)
TRAJ = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
PAIRS_OF = {0: [0, 1, 2], 1: [3, 4], 2: [5, 6, 7, 8]}


def _expected_draw(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence([seed, BOOTSTRAP_STREAM]))
    return np.sort(rng.choice(n, size=n, replace=True))


@pytest.mark.parametrize("seed", [0, 1, 7, 123456])
def test_trajectories_are_drawn_with_replacement_from_the_members_seed(seed: int) -> None:
    d = draw_member(TRAJ, seed, 0.1)
    assert d.unit == "trajectory" and d.n_units == 3 and d.block_pairs == 0
    np.testing.assert_array_equal(d.drawn, _expected_draw(seed, 3))
    counts = np.bincount(d.drawn, minlength=3)
    # every pair of a drawn trajectory, once per draw of it
    want = sorted(p for t in range(3) for p in PAIRS_OF[t] * int(counts[t]))
    if d.validation == "out-of-bag":
        np.testing.assert_array_equal(d.out_of_bag, np.flatnonzero(counts == 0))
        np.testing.assert_array_equal(d.train, want)
        np.testing.assert_array_equal(d.val, sorted(p for t in d.out_of_bag for p in PAIRS_OF[int(t)]))
    assert not set(d.train) & set(d.val)  # a validation pair is never trained on
    # the same seed gives the same draw, and its digest
    again = draw_member(TRAJ, seed, 0.1)
    np.testing.assert_array_equal(again.train, d.train)
    assert again.digest == d.digest


def test_draws_repeat_trajectories_and_differ_between_seeds() -> None:
    traj = np.repeat(np.arange(20), 3)  # 20 trajectories of 3 pairs
    draws = [draw_member(traj, s, 0.1) for s in range(10)]
    assert all(np.unique(d.drawn).size < 20 for d in draws)  # with replacement: repeats (P(none) ~ 1e-8)
    assert all(d.validation == "out-of-bag" and d.out_of_bag.size > 0 for d in draws)
    assert len({d.digest for d in draws}) == 10
    # about 1/e of the trajectories are out of bag
    assert 0.2 < np.mean([d.out_of_bag.size / 20 for d in draws]) < 0.55
    for d in draws:
        assert d.train.size == 60  # 20 draws of 3 pairs
        assert d.val.size == 3 * d.out_of_bag.size


def test_every_trajectory_drawn_falls_back_to_the_usual_split_of_the_draw() -> None:
    traj = np.array([0, 0, 1, 1])
    seed = next(s for s in range(100) if np.unique(_expected_draw(s, 2)).size == 2)  # both drawn, no out-of-bag
    d = draw_member(traj, seed, 0.1)
    assert d.validation == "split" and d.out_of_bag.size == 0
    # ceil(0.1 x 2 distinct) = 1 trajectory held out, the other trained on
    assert d.val.size == 2 and d.train.size == 2
    assert set(d.val) in ({0, 1}, {2, 3}) and not set(d.train) & set(d.val)


def test_val_fraction_zero_means_no_validation() -> None:
    d = draw_member(TRAJ, 3, 0.0)
    assert d.validation == "none" and d.val.size == 0
    assert d.train.size == sum(len(PAIRS_OF[int(t)]) for t in d.drawn)


def test_a_single_trajectory_is_resampled_in_blocks_of_consecutive_pairs() -> None:
    assert [block_length(p) for p in (2, 3, 8, 9, 10, 27, 28, 1000)] == [1, 1, 2, 3, 3, 3, 4, 10]
    units, unit_traj, kind = pair_units(np.zeros(10, dtype=int))
    assert kind == "block"
    np.testing.assert_array_equal(units, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3])  # L = ceil(10^(1/3)) = 3
    np.testing.assert_array_equal(unit_traj, [0, 0, 0, 0])
    d = draw_member(np.zeros(10, dtype=int), 5, 0.1)
    assert d.unit == "block" and d.n_units == 4 and d.block_pairs == 3
    np.testing.assert_array_equal(d.drawn, _expected_draw(5, 4))
    sizes = [3, 3, 3, 1]
    assert d.train.size == sum(sizes[b] for b in d.drawn if b not in set(d.val // 3))
    # two pairs give two blocks of one pair: still something to resample
    assert draw_member(np.zeros(2, dtype=int), 0, 0.1).n_units == 2


def test_trajectories_without_pairs_keep_their_labels_in_the_record() -> None:
    traj = np.array([0, 0, 2, 2, 3])  # trajectory 1 has fewer than two time points: no pairs
    d = draw_member(traj, 11, 0.1)
    np.testing.assert_array_equal(d.unit_trajectory, [0, 2, 3])
    rec = bootstrap_record([d], ["a", "b", "c", "d"], [4])
    assert rec["members"] == 1 and rec["unit"] == "trajectory" and rec["block_pairs"] is None
    draw = rec["draws"][0]
    assert draw["member"] == 5 and draw["seed"] == 11 and draw["sha256"] == d.digest
    assert draw["drawn"] == [["a", "c", "d"][int(u)] for u in d.drawn]  # with repeats, sorted
    assert draw["out_of_bag"] == d.out_of_bag.size and draw["train_pairs"] == d.train.size
