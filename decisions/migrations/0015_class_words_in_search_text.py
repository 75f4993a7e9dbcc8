"""Each medication item's class words join its letter's most weighted search text.

A search for a drug class ("opioid", "muscle relaxant") is then one term that finds every letter
with an item of that class, whatever the drug's name — instead of an OR of every member's name
(Norco, Percocet, Ultram…), which cost ~8 ms a name at 100,000 letters. The words are
``decisions.query.CLASS_WORDS`` as of this migration; ``services.search_texts`` writes the same
text on the ingest path (so the triggers find nothing to correct). Letters with medication items
are rewritten once here (their search vector is recomputed).
"""

from django.db import migrations

# decisions.query.CLASS_WORDS, frozen here.
CLASS_WORDS = {
    "opioid": "opioid",
    "nsaid": "NSAID",
    "muscle-relaxant": "muscle relaxant",
    "anticonvulsant": "anticonvulsant",
    "antidepressant": "antidepressant",
    "sleep-aid": "sleep aid",
    "proton-pump-inhibitor": "proton pump inhibitor",
}
CASES = " ".join(f"WHEN '{slug}' THEN '{words}'" for slug, words in CLASS_WORDS.items())

FORWARD = f"""
CREATE FUNCTION imr_class_words(category text, subcategory text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN category = 'medication' THEN CASE subcategory {CASES} END END
$$;

CREATE OR REPLACE FUNCTION imr_case_requests(case_id bigint, diagnoses text[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT array_to_string(
        ARRAY(SELECT i.request FROM decisions_disputeditem i WHERE i.case_id = $1 ORDER BY i.position) || $2
        || ARRAY(
            SELECT imr_class_words(i.treatment_category, i.treatment_subcategory) FROM decisions_disputeditem i
            WHERE i.case_id = $1 AND imr_class_words(i.treatment_category, i.treatment_subcategory) IS NOT NULL
            ORDER BY i.position
        ),
        E'\\n')
$$;

SELECT imr_refresh_case_texts(ARRAY(
    SELECT DISTINCT case_id FROM decisions_disputeditem
    WHERE imr_class_words(treatment_category, treatment_subcategory) IS NOT NULL
));
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION imr_case_requests(case_id bigint, diagnoses text[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT array_to_string(
        ARRAY(SELECT i.request FROM decisions_disputeditem i WHERE i.case_id = $1 ORDER BY i.position) || $2,
        E'\\n')
$$;
SELECT imr_refresh_case_texts(ARRAY(SELECT id FROM decisions_case));
DROP FUNCTION imr_class_words(text, text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0014_item_filters_drug_region_quantity"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
