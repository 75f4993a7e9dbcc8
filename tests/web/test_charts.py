"""The charts' axes: count gridlines fall on whole numbers, so a bar of one item reads as one."""

from __future__ import annotations

import re

import pytest

from decisions.charts import Bar, bar_chart, count_axis_top


@pytest.mark.parametrize("largest", [1, 3, 5, 7, 25, 130, 999])
def test_count_gridlines_are_whole_numbers_above_the_largest_bar(largest):
    top = count_axis_top(largest)
    assert top >= largest
    assert all(float(top * quarter / 4).is_integer() for quarter in range(5))


def test_a_chart_labels_its_gridlines_with_their_values():
    svg = bar_chart("c", "Items", "Items per month", [Bar("2017-01", 1, "", "1 item"), Bar("2017-02", 5, "", "5 items")])
    assert re.findall(r'<text class="chart-tick" x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]+)</text>', svg) == ["0", "2", "4", "6", "8"]
