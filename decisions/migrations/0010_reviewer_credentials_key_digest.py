"""Reviewer keys too long for their column end in a digest of the whole credentials list.

Before, ``credentials_key`` was cut at 500 characters, so two long lists that differ only at
the end were one reviewer. This recomputes every stored key from the reviewer's own columns
with the new rule (a copy of ``decisions.services.fitted_credentials_key``, frozen here).

Uniqueness: a recomputed key differs from the stored one only for credentials over 500
characters, and then ends in ``#`` and 64 hex digits, which no untouched key can (slugs hold
no ``#``, and an untouched key ends in ``bc``, ``not-bc`` or ``bc-unknown``); distinct stored
keys come from distinct credentials, so they stay distinct. Cases already merged into one
reviewer cannot be told apart from the stored data; ``manage.py reparse --all`` re-reads their
letters and links each case to the reviewer its own credentials name.
"""

import hashlib

from django.db import migrations, models
from django.utils.text import slugify

KEY_LENGTH = 500


def fitted_key(credentials: str) -> str:
    if len(credentials) <= KEY_LENGTH:
        return credentials
    digest = hashlib.sha256(credentials.encode()).hexdigest()
    return f"{credentials[: KEY_LENGTH - len(digest) - 1]}#{digest}"


def stored_credentials(reviewer) -> str:  # type: ignore[no-untyped-def]
    specialties = ";".join(sorted(slugify(name) for name in reviewer.specialties))
    states = ",".join(sorted(reviewer.licensed_states))
    certified = {True: "bc", False: "not-bc", None: "bc-unknown"}[reviewer.board_certified]
    return f"{specialties}|{states}|{certified}"


def recompute_keys(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    Reviewer = apps.get_model("decisions", "Reviewer")
    for reviewer in Reviewer.objects.only(
        "id", "credentials_key", "specialties", "licensed_states", "board_certified"
    ).iterator():
        key = fitted_key(stored_credentials(reviewer))
        if key != reviewer.credentials_key:
            Reviewer.objects.filter(pk=reviewer.pk).update(credentials_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0009_search_vector_kept_in_row"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reviewer",
            name="credentials_key",
            field=models.CharField(
                help_text="Normalised credentials (too long for the column: their start and a digest of the whole); equal credentials are one reviewer.",
                max_length=500,
                unique=True,
            ),
        ),
        # Old code reads any key; the old cut keys cannot be told from the new ones, so nothing to undo.
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
