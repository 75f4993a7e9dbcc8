"""The registry of search parameters is the one place a parameter is declared: the FilterSet, the
form, the API's schema, the facets and the read model's columns are all made from it."""

from __future__ import annotations

import re

import pytest

from decisions.filters import CaseFilterSet
from decisions.search_params import FACETS, PARAMS, PARAMS_BY_NAME, columns

pytestmark = pytest.mark.django_db


def test_every_declared_parameter_is_validated_by_the_filterset():
    assert list(CaseFilterSet.base_filters) == [param.name for param in PARAMS]


def test_every_declared_parameter_but_the_words_is_a_field_of_the_filter_panel(client, archive):
    html = client.get("/decisions/?treatment=medication").content.decode()  # (subcategories are those of a treatment)
    panel = html[html.index('<details class="filters"') :]
    for param in PARAMS:
        if param.name != "q":
            assert f'name="{param.name}"' in panel, param.name
    assert 'name="q"' in html


def test_every_declared_parameter_is_described_in_the_api_schema(client, archive):
    schema = client.get("/api/schema/").content.decode()
    search = schema[schema.index("operationId: decisions_search") :]
    listed = re.findall(r"- in: query\n\s+name: (\w+)", search.split("responses:")[0])
    assert sorted(listed) == sorted([param.name for param in PARAMS] + ["page"])
    assert PARAMS_BY_NAME["outcome"].help.split(" ")[0] in search


def test_each_facet_is_cleared_by_parameters_that_are_declared():
    for facet in FACETS:
        assert all(name in PARAMS_BY_NAME for name in facet.own_params), facet.name


def test_each_read_model_column_is_declared_once_under_its_name():
    declared = columns()
    assert len({column.name for column in declared}) == len(declared)
    for param in PARAMS:
        for column in param.index.columns() if param.index else []:
            assert next(c for c in declared if c.name == column.name) == column, column.name
