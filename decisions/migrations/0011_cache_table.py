"""The table of the shared cache (settings.CACHES: Django's DatabaseCache), made as createcachetable makes it.

The API's and the export's throttle counts each client's requests in this cache, so every worker
process and every machine on the same database enforce one count: the configured rate. Created
here so that ``python manage.py migrate`` alone readies a database; when the table exists already
(createcachetable was run by hand) it is left as it is.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "imr_cache"  # settings.CACHES["default"]["LOCATION"]


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0010_reviewer_credentials_key_digest"),
    ]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
