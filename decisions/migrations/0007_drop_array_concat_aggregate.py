"""The SQL facet query that used ``decisions_array_concat`` was replaced by decisions/facets.py."""

from django.db import migrations

CREATE = """
CREATE AGGREGATE decisions_array_concat(anycompatiblearray) (
    SFUNC = array_cat, STYPE = anycompatiblearray, INITCOND = '{}', PARALLEL = SAFE
)
"""
DROP = "DROP AGGREGATE IF EXISTS decisions_array_concat(anycompatiblearray)"


class Migration(migrations.Migration):
    dependencies = [("decisions", "0006_layout_labels")]

    operations = [migrations.RunSQL(DROP, CREATE)]
