"""An aggregate that concatenates arrays: the item-level facets gather each letter's guideline ids
and sources with it (see decisions.selectors.FacetQuery)."""

from django.db import migrations

CREATE = """
CREATE AGGREGATE decisions_array_concat(anycompatiblearray) (
    SFUNC = array_cat, STYPE = anycompatiblearray, INITCOND = '{}', PARALLEL = SAFE
)
"""
DROP = "DROP AGGREGATE IF EXISTS decisions_array_concat(anycompatiblearray)"


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_search_item_guideline_arrays")]

    operations = [migrations.RunSQL(CREATE, DROP)]
