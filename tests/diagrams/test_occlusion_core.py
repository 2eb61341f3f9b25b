"""Occlusion geometry: masks in fractions, complexity, cloze numbers, image scale."""

from __future__ import annotations

import pytest

from deckbuilder.core.occlusion import (
    CLOZE_SLOTS,
    Box,
    Rect,
    cloze_numbers,
    complexity,
    containing_cluster,
    mask_rect,
    occlusion_units,
    raster_scale,
)


def node(node_id: str, x: float, y: float, w: float = 100, h: float = 40, label=("L",), kind="node") -> Box:
    return Box(kind=kind, node_id=node_id, x=x, y=y, width=w, height=h, label=label)


def test_mask_rect_pads_by_two_css_pixels_and_uses_fractions():
    assert mask_rect(node("A", 100, 50, 200, 100), 1000, 500) == Rect(left=0.098, top=0.096, width=0.204, height=0.208)


def test_mask_rect_is_clipped_to_the_image():
    assert mask_rect(node("A", 0, 0, 1000, 500), 1000, 500) == Rect(0.0, 0.0, 1.0, 1.0)


def test_mask_rect_rejects_an_empty_image():
    with pytest.raises(ValueError, match="image size must be positive, got 0×10"):
        mask_rect(node("A", 0, 0), 0, 10)


def test_rect_as_css_and_as_anki_native_shape():
    rect = Rect(0.098, 0.096, 0.204, 0.20812345)
    assert rect.css() == "left:9.8%;top:9.6%;width:20.4%;height:20.81%"
    assert rect.native(True) == "image-occlusion:rect:left=.098:top=.096:width=.204:height=.2081:oi=1".replace("=.", "=0.")
    assert Rect(0, 0, 1, 1).native(False) == "image-occlusion:rect:left=0:top=0:width=1:height=1:oi=0"


@pytest.mark.parametrize("count, level", [
    (0, "simple"), (5, "simple"), (6, "moderate"), (10, "moderate"),
    (11, "complex"), (15, "complex"), (16, "very-complex"), (80, "very-complex"),
])
def test_complexity_bands_of_the_ds_design_doc(count, level):
    assert complexity(count) == level


def test_units_are_labelled_nodes_in_reading_order_once_each():
    boxes = [
        node("B", 300, 10), node("A", 10, 10), node("C", 10, 200),
        node("A", 10, 10),  # the same id twice (Mermaid draws some shapes twice): one unit
        node("empty", 500, 500, label=()),
        node("G", 0, 0, 800, 600, label=("Group",), kind="cluster"),
    ]
    assert [b.node_id for b in occlusion_units(boxes, "node")] == ["A", "B", "C"]
    assert [b.node_id for b in occlusion_units(boxes, "cluster")] == ["G"]


def test_containing_cluster_is_the_smallest_around_the_centre():
    outer = node("Outer", 0, 0, 1000, 1000, kind="cluster")
    inner = node("Inner", 100, 100, 300, 300, kind="cluster")
    assert containing_cluster(node("A", 150, 150), [outer, inner]) is inner
    assert containing_cluster(node("B", 700, 700), [outer, inner]) is outer
    assert containing_cluster(node("C", 2000, 2000), [outer, inner]) is None


def test_cloze_numbers_are_fixed_per_id():
    assert cloze_numbers(["CDN", "LB", "Gateway"]) == {"CDN": 197, "LB": 47, "Gateway": 414}


def test_cloze_number_of_a_node_survives_other_nodes_being_added_removed_or_reordered():
    base = [f"node{i}" for i in range(20)]
    numbers = cloze_numbers(base)
    assert cloze_numbers(list(reversed(base))) == numbers
    grown = cloze_numbers(base + ["Zookeeper", "Analytics", "a_new_cache"])
    assert {k: grown[k] for k in base} == numbers
    shrunk = cloze_numbers(base[2:])  # node0 and node1 removed
    assert shrunk == {k: numbers[k] for k in base[2:] if k != "node12"} | {"node12": 431}


def test_the_documented_limit_a_collision_moves_the_later_id():
    # node1 and node12 both hash to 431: in (slot, id) order node1 keeps 431, node12 probes to 432.
    assert cloze_numbers(["node1", "node12"]) == {"node1": 431, "node12": 432}
    assert cloze_numbers(["node12"]) == {"node12": 431}


def test_colliding_ids_probe_to_the_next_free_number():
    # ids whose home slots collide: found by search, fixed here
    ids = [f"n{i}" for i in range(600)][:CLOZE_SLOTS]
    numbers = cloze_numbers(ids)
    assert sorted(numbers.values()) == list(range(1, CLOZE_SLOTS + 1))


def test_too_many_nodes_for_anki():
    with pytest.raises(ValueError, match="a diagram of 500 nodes exceeds Anki's 499 cloze numbers"):
        cloze_numbers(f"n{i}" for i in range(500))


@pytest.mark.parametrize("width, height, scale", [
    (400, 300, 2.0),  # small: 2 device pixels per CSS pixel
    (1200, 800, 1.25), (1600, 900, 1.021), (2400, 1000, 0.791), (5000, 300, 1.0),  # within the budget
    (2067, 2352, 0.75), (800, 9332, 0.75),  # the floor: 16 px text stays 12 px
    (150, 12000, 0.667),  # no side above 8,000 px
])
def test_raster_scale(width, height, scale):
    assert raster_scale(width, height) == scale
