"""Keep each letter's search vector in its table row (storage MAIN) instead of the TOAST table.

Ranking a search reads the vector of every matching letter. Stored out of line (the default for a
value that makes a row exceed ~2 kB), each read is a lookup in the TOAST table's index and a
fetch of its chunks: ~4 µs a letter, most of a broad search's time. With storage MAIN PostgreSQL
compresses the vector in the row and moves it out only when the row cannot fit in a page, after
the letter's long text columns, which stay out of line. Measured at 100,000 generated letters
(benchmarks/search_speed.py): ranking 32,000 matches went from 208 ms to 77 ms.

The UPDATE rewrites the stored rows so existing letters get the new storage too (PostgreSQL
recomputes the generated vector): about 10 s per 100,000 letters, holding an exclusive lock on
the letters table meanwhile (searches wait: on a large archive, migrate in a quiet hour), and the
table needs its usual VACUUM afterwards to give the old row versions' space back.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE decisions_case ALTER COLUMN search_vector SET STORAGE MAIN;
UPDATE decisions_case SET search_requests = search_requests;
"""
BACKWARD = "ALTER TABLE decisions_case ALTER COLUMN search_vector SET STORAGE EXTENDED;"


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0008_drop_redundant_case_indexes"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
