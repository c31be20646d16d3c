"""The label memory on small synthetic vectors: who is a neighbour, how labels blend, what stays a rule."""
from __future__ import annotations

import numpy as np
import pytest

from model.memory import LabelMemory, MemoryConfig, MemoryItem, blend_flags, blend_grades
from model.types import FLAG_CODES

DIM = 16
OFF = FLAG_CODES.index("off_topic")


def unit(seed: int, dim: int = DIM) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=dim)
    return vector / np.linalg.norm(vector)


def memory_of(n: int, config: MemoryConfig = MemoryConfig(), grade: int = 0, flags: tuple[str, ...] = ("off_topic",)
              ) -> LabelMemory:
    items = [MemoryItem(f"ex{i}", f"t{i}", f"r{i}", grade, flags) for i in range(n)]
    return LabelMemory(items, np.vstack([unit(100 + i) for i in range(n)]), np.vstack([unit(200 + i) for i in range(n)]),
                       np.vstack([unit(300 + i, 8) for i in range(n)]), config)


def test_an_identical_pair_is_the_nearest_neighbour_and_carries_its_label():
    memory = memory_of(5)
    found = memory.lookup(unit(102), unit(202)[None, :], unit(302, 8)[None, :])
    assert found.evidence[0][0][0].example_id == "ex2"
    assert found.evidence[0][0][1] == pytest.approx(1.0, abs=1e-6)
    assert found.flag_rate[0, OFF] == 1.0
    assert found.grade_proba[0].argmax() == 0


def test_nothing_near_means_no_opinion():
    memory = memory_of(5)
    found = memory.lookup(unit(1), unit(2)[None, :], unit(3, 8)[None, :])
    assert found.weight[0] == 0.0 and found.evidence[0] == []
    model = np.array([[0.1, 0.2, 0.3, 0.4]])
    assert np.allclose(blend_grades(model, found, prior=0.5), model)


def test_a_near_label_overrides_an_unsure_model_and_a_far_one_does_not():
    memory = memory_of(3, MemoryConfig(prior=0.5))
    decision = np.full((2, len(FLAG_CODES)), 0.3)  # every flag below its threshold
    near = memory.lookup(unit(101), np.vstack([unit(201), unit(7)]), np.vstack([unit(301, 8), unit(8, 8)]))
    blended = blend_flags(decision, near, prior=0.5)
    assert blended[0, OFF] >= 0.5  # labeled off-topic a moment ago: now flagged
    assert blended[1, OFF] < 0.5  # nothing like it was labeled
    # rules are not the memory's to change
    assert blended[0, FLAG_CODES.index("no_greeting")] == decision[0, FLAG_CODES.index("no_greeting")]


def test_exclude_drops_a_replys_own_label():
    memory = memory_of(3)
    found = memory.lookup(unit(101), unit(201)[None, :], unit(301, 8)[None, :], exclude=[{"ex1"}])
    assert all(item.example_id != "ex1" for item, _ in found.evidence[0])


def test_k_bounds_the_neighbours_and_bytes_grow_with_the_items():
    config = MemoryConfig(k=2, threshold=-1.0)
    memory = memory_of(10, config)
    found = memory.lookup(unit(101), unit(201)[None, :], unit(301, 8)[None, :])
    assert len(found.evidence[0]) == 2
    assert memory_of(20).nbytes > memory.nbytes


def test_mismatched_arrays_are_refused():
    with pytest.raises(ValueError, match="disagree"):
        LabelMemory([MemoryItem("a", "t", "r", 0, ())], np.zeros((2, DIM)), np.zeros((1, DIM)), np.zeros((1, 8)))


def test_an_empty_memory_says_nothing():
    memory = LabelMemory([], np.zeros((0, 1)), np.zeros((0, 1)), np.zeros((0, 1)))
    found = memory.lookup(unit(1), unit(2)[None, :], unit(3, 8)[None, :])
    assert len(memory) == 0 and found.weight[0] == 0.0


def test_label_priority_is_highest_where_the_model_doubts_or_the_memory_disagrees():
    from model.memory import Neighbours
    from model.relevance import label_priority

    sure = np.array([[0.9, 0.1, 0.0, 0.0]])  # clearly not relevant
    torn = np.array([[0.25, 0.25, 0.25, 0.25]])  # P(relevant) = 0.5
    calm = np.full((1, len(FLAG_CODES)), 0.05)  # every flag far below its threshold
    assert label_priority(sure, calm, sure, calm, None)[0] < 0.25
    assert label_priority(torn, calm, torn, calm, None)[0] == pytest.approx(1.0)
    edge = calm.copy()
    edge[0, OFF] = 0.5  # off-topic exactly on its threshold
    assert label_priority(sure, edge, sure, edge, None)[0] == pytest.approx(1.0)
    # the model is sure it is not off-topic; similar stored labels all say it is
    memory_says = Neighbours(np.array([[1.0, 0.0, 0.0, 0.0]]), np.eye(1, len(FLAG_CODES), OFF), np.array([1.0]))
    assert label_priority(sure, calm, sure, calm, memory_says)[0] == pytest.approx(1.0)
    nobody_near = Neighbours(np.zeros((1, 4)), np.zeros((1, len(FLAG_CODES))), np.zeros(1))
    assert label_priority(sure, calm, sure, calm, nobody_near)[0] < 0.25
