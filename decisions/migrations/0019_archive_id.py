"""A random id for the archive (``imr_archive_state.archive_id``), made once when the row is made.

The facet index written to disk (``decisions.shared_index``) is keyed by it: a snapshot of one
database is never read for another one that happens to have the same name and version number
(a test database made again, a benchmark's, a restored backup).
"""

from django.db import migrations

FORWARD = "ALTER TABLE imr_archive_state ADD COLUMN archive_id uuid NOT NULL DEFAULT gen_random_uuid();"
BACKWARD = "ALTER TABLE imr_archive_state DROP COLUMN archive_id;"


class Migration(migrations.Migration):
    dependencies = [("decisions", "0018_case_entered_xact")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
