"""The transaction that added each letter, for alerts (``Case.entered_xact``).

A BEFORE trigger sets it on INSERT to ``pg_current_xact_id()`` whatever the writer sent (the COPY
writer, the admin, psql), and keeps it on UPDATE, so a re-parse never makes a letter "new" again.
Letters already stored keep 0: they entered before any saved search could ask for them.
"""

from django.db import migrations, models

FORWARD = """
CREATE FUNCTION imr_case_entered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.entered_xact := pg_current_xact_id()::text::bigint;
    ELSE
        NEW.entered_xact := OLD.entered_xact;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER case_entered BEFORE INSERT OR UPDATE OF entered_xact ON decisions_case
    FOR EACH ROW EXECUTE FUNCTION imr_case_entered();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS case_entered ON decisions_case;
DROP FUNCTION IF EXISTS imr_case_entered();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0017_item_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="entered_xact",
            field=models.BigIntegerField(
                default=0, editable=False, help_text="The database transaction that added the letter (for alerts)."
            ),
        ),
        migrations.AddIndex(model_name="case", index=models.Index(fields=["entered_xact"], name="case_entered")),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
