"""Each item's own words as a stored vector with a GIN index: a word search counts the items whose
request (with its class words) or rationale holds the words, not every item of a matching letter.
Adding the generated column rewrites the items table once."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0016_item_request_search'),
    ]

    operations = [
        migrations.AddField(
            model_name='disputeditem',
            name='search_vector',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.expressions.RawSQL("setweight(to_tsvector('english'::regconfig, imr_search_text(left(request, 20000) || coalesce(E'\\n' || imr_class_words(treatment_category, treatment_subcategory), ''))), 'A') || setweight(to_tsvector('english'::regconfig, imr_search_text(left(rationale, 30000))), 'C')", []), help_text="The item's request (with its class words) and rationale as a full-text vector, kept by PostgreSQL.", output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='disputeditem',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='item_search_gin'),
        ),
    ]
