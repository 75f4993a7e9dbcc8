"""The index the ``request`` parameter reads: each item's request as the letters' vector reads it.

``search_params.REQUEST_VECTOR`` is exactly this expression, so PostgreSQL answers "which items'
requests hold these words" from the index. Built concurrently: no lock on the items while it builds.
"""

from django.db import migrations

EXPRESSION = "to_tsvector('english'::regconfig, imr_search_text(left(request, 20000)))"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("decisions", "0015_class_words_in_search_text"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS item_request_search ON decisions_disputeditem USING gin ({EXPRESSION})",
            "DROP INDEX CONCURRENTLY IF EXISTS item_request_search",
        ),
    ]
