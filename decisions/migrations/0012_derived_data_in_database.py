"""Derived search data kept by PostgreSQL itself, and one archive version every write advances.

First the letters' search vector reads each text up to a cap (``decisions.models.SEARCHED_CHARS``),
so no letter's vector can pass PostgreSQL's 1 MB limit whatever writes it; the texts themselves
stay whole. Re-adding the generated column rewrites the letters table twice (about 20 s per
100,000 letters, holding an exclusive lock: migrate in a quiet hour).

Whatever writes the archive (the ingest service, the admin, a data migration, a fix typed in
psql), the database keeps these consistent in the same transaction:

- ``decisions_reviewer.specialty_slugs`` from ``specialties`` (``imr_slug``, Django's
  ``slugify`` in SQL), by a row trigger;
- each item's copies of its citations (``reviewer_guideline_ids`` / ``reviewer_sources`` /
  ``claims_*``) from ``decisions_citation`` and the guidelines' sources, by statement triggers
  on citations and on guidelines;
- each letter's ``search_requests`` / ``search_rationales`` (which the generated search vector
  reads) and ``item_count`` / ``overturned_count`` from its items and diagnoses, by statement
  triggers on items and a row trigger on letters.

The ingest service still writes these values itself, so that on the fast path the triggers
find nothing to correct (they compare before they write, and a letter's generated search
vector is computed once).

``imr_archive_state`` holds one row: ``version`` advances with every statement that writes a
table the search reads (statement triggers, so no code path can forget it) and
``rewritten_version`` records the last version at which rows were updated, deleted or
truncated rather than only inserted. Versions come from a sequence, so they never repeat, even
after the tables are truncated. The table is not a Django model: ``flush`` leaves it alone.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.expressions
from django.db import migrations, models

# decisions.models.SEARCHED_CHARS as of this migration.
CAPPED_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, imr_search_text(left(coalesce(case_number, '') || ' ' || search_requests, 20000))), 'A')"
    " || setweight(to_tsvector('english'::regconfig, imr_search_text(left(clinical_summary, 50000))), 'B')"
    " || setweight(to_tsvector('english'::regconfig, imr_search_text(left(search_rationales, 30000))), 'C')"
)
# The text PostgreSQL's parser reads: words glued by a full stop, slash, comma, semicolon or colon
# between letters (text extraction drops the space: "spine.Acupuncture", and "Hydrocodone/APAP"
# would be one "file" token) are parted; a word hyphenated across a line end is joined.
SEARCH_TEXT = r"""
CREATE FUNCTION imr_search_text(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(
        regexp_replace(value, '(?<=[[:lower:]])-\n(?=[[:lower:]])', '', 'g'),
        '(?<=[[:alpha:]])[/.,;:]+(?=[[:alpha:]])', ' ', 'g')
$$;
"""
# As migration 0009: the vector kept in the row; the UPDATE stores existing letters that way.
VECTOR_IN_ROW = """
ALTER TABLE decisions_case ALTER COLUMN search_vector SET STORAGE MAIN;
UPDATE decisions_case SET search_requests = search_requests;
"""

SEARCH_TABLES = ("decisions_case", "decisions_disputeditem", "decisions_citation", "decisions_reviewer", "decisions_guideline")

ARCHIVE_VERSION = """
CREATE SEQUENCE imr_archive_version_seq;
CREATE TABLE imr_archive_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    rewritten_version bigint NOT NULL,
    changed_at timestamptz NOT NULL
);
INSERT INTO imr_archive_state VALUES (1, nextval('imr_archive_version_seq'), currval('imr_archive_version_seq'), now());

CREATE FUNCTION imr_archive_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_version bigint;
BEGIN
    next_version := nextval('imr_archive_version_seq');
    INSERT INTO imr_archive_state AS s VALUES (1, next_version, next_version, clock_timestamp())
    ON CONFLICT (id) DO UPDATE SET
        version = next_version,
        rewritten_version = CASE WHEN TG_OP = 'INSERT' THEN s.rewritten_version ELSE next_version END,
        changed_at = clock_timestamp();
    RETURN NULL;
END $$;
"""

ARCHIVE_TRIGGERS = "\n".join(
    f"CREATE TRIGGER archive_changed BEFORE INSERT OR UPDATE OR DELETE ON {table}"
    f" FOR EACH STATEMENT EXECUTE FUNCTION imr_archive_changed();\n"
    # After, so that a TRUNCATE of every table at once (Django's flush) leaves the row in place.
    f"CREATE TRIGGER archive_truncated AFTER TRUNCATE ON {table}"
    f" FOR EACH STATEMENT EXECUTE FUNCTION imr_archive_changed();"
    for table in SEARCH_TABLES
)

SPECIALTY_SLUGS = r"""
-- django.utils.text.slugify: ASCII only, lower case, punctuation dropped, runs of spaces and
-- hyphens made one hyphen, hyphens and underscores trimmed. Python's \s also matches \x1c-\x1f.
CREATE FUNCTION imr_slug(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT btrim(
        regexp_replace(
            regexp_replace(lower(regexp_replace(normalize(value, NFKD), '[^\x01-\x7f]', '', 'g')), '[^\w\s\x1c-\x1f-]', '', 'g'),
            '[-\s\x1c-\x1f]+', '-', 'g'),
        '-_')
$$;

CREATE FUNCTION imr_reviewer_slugs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.specialty_slugs := ARRAY(
        SELECT imr_slug(name) FROM unnest(NEW.specialties) WITH ORDINALITY AS s(name, n) ORDER BY n
    );
    RETURN NEW;
END $$;

CREATE TRIGGER reviewer_slugs BEFORE INSERT OR UPDATE ON decisions_reviewer
    FOR EACH ROW EXECUTE FUNCTION imr_reviewer_slugs();

UPDATE decisions_reviewer SET specialties = specialties;
"""

ITEM_CITATIONS = """
-- The items' copies of their citations: distinct guideline ids and sources per role, sorted.
CREATE FUNCTION imr_item_citation_copies(item_ids bigint[])
RETURNS TABLE (item_id bigint, reviewer_ids bigint[], reviewer_sources text[], claims_ids bigint[], claims_sources text[])
LANGUAGE sql STABLE AS $$
    SELECT wanted.id,
           coalesce(array_agg(DISTINCT ci.guideline_id ORDER BY ci.guideline_id)
                    FILTER (WHERE ci.role = 'reviewer'), '{}'),
           coalesce(array_agg(DISTINCT g.source::text ORDER BY g.source::text)
                    FILTER (WHERE ci.role = 'reviewer'), '{}'),
           coalesce(array_agg(DISTINCT ci.guideline_id ORDER BY ci.guideline_id)
                    FILTER (WHERE ci.role = 'claims_administrator'), '{}'),
           coalesce(array_agg(DISTINCT g.source::text ORDER BY g.source::text)
                    FILTER (WHERE ci.role = 'claims_administrator'), '{}')
    FROM unnest(item_ids) AS wanted(id)
    LEFT JOIN decisions_citation ci ON ci.item_id = wanted.id
    LEFT JOIN decisions_guideline g ON g.id = ci.guideline_id
    GROUP BY wanted.id
$$;

-- Writes only the items whose copies differ, and no statement at all when none does (the
-- ingest service writes them right already): an UPDATE would count as a rewrite of the archive.
CREATE FUNCTION imr_refresh_item_citations(item_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stale bigint[];
BEGIN
    SELECT array_agg(c.item_id) INTO stale
    FROM imr_item_citation_copies(item_ids) c JOIN decisions_disputeditem i ON i.id = c.item_id
    WHERE (i.reviewer_guideline_ids, i.reviewer_sources::text[], i.claims_guideline_ids, i.claims_sources::text[])
          IS DISTINCT FROM (c.reviewer_ids, c.reviewer_sources, c.claims_ids, c.claims_sources);
    IF stale IS NOT NULL THEN
        -- The row trigger item_written recomputes the copies from the citations.
        UPDATE decisions_disputeditem SET reviewer_guideline_ids = reviewer_guideline_ids WHERE id = ANY(stale);
    END IF;
END $$;

-- An item written directly (an admin form, psql) gets its copies from its citations.
CREATE FUNCTION imr_item_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    copies record;
BEGIN
    SELECT * INTO copies FROM imr_item_citation_copies(ARRAY[NEW.id]);
    NEW.reviewer_guideline_ids := copies.reviewer_ids;
    NEW.reviewer_sources := copies.reviewer_sources;
    NEW.claims_guideline_ids := copies.claims_ids;
    NEW.claims_sources := copies.claims_sources;
    RETURN NEW;
END $$;

CREATE FUNCTION imr_citations_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_item_citations(ARRAY(SELECT DISTINCT item_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION imr_citations_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_item_citations(ARRAY(SELECT DISTINCT item_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION imr_citations_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_item_citations(
        ARRAY(SELECT item_id FROM new_rows UNION SELECT item_id FROM old_rows)
    );
    RETURN NULL;
END $$;
CREATE FUNCTION imr_guidelines_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_item_citations(ARRAY(
        SELECT DISTINCT ci.item_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN decisions_citation ci ON ci.guideline_id = n.id
        WHERE n.source IS DISTINCT FROM o.source
    ));
    RETURN NULL;
END $$;

CREATE TRIGGER citations_inserted AFTER INSERT ON decisions_citation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_citations_inserted();
CREATE TRIGGER citations_deleted AFTER DELETE ON decisions_citation
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_citations_deleted();
CREATE TRIGGER citations_updated AFTER UPDATE ON decisions_citation
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_citations_updated();
CREATE TRIGGER guidelines_updated AFTER UPDATE ON decisions_guideline
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_guidelines_updated();
-- Only on UPDATE: a new item's citations are written after it, and their trigger fills it then.
CREATE TRIGGER item_written BEFORE UPDATE ON decisions_disputeditem
    FOR EACH ROW EXECUTE FUNCTION imr_item_written();

SELECT imr_refresh_item_citations(ARRAY(SELECT id FROM decisions_disputeditem));
"""

CASE_TEXTS = r"""
-- A letter's requests (in item order) then its diagnoses, one a line: the most weighted search text.
CREATE FUNCTION imr_case_requests(case_id bigint, diagnoses text[]) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT array_to_string(
        ARRAY(SELECT i.request FROM decisions_disputeditem i WHERE i.case_id = $1 ORDER BY i.position) || $2,
        E'\n')
$$;

CREATE FUNCTION imr_case_rationales(case_id bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT array_to_string(
        ARRAY(SELECT i.rationale FROM decisions_disputeditem i WHERE i.case_id = $1 ORDER BY i.position), E'\n')
$$;

CREATE FUNCTION imr_case_texts(case_ids bigint[])
RETURNS TABLE (case_id bigint, requests text, rationales text, item_count int, overturned_count int)
LANGUAGE sql STABLE AS $$
    SELECT c.id, imr_case_requests(c.id, c.diagnoses), imr_case_rationales(c.id),
           (SELECT count(*) FROM decisions_disputeditem i WHERE i.case_id = c.id)::int,
           (SELECT count(*) FROM decisions_disputeditem i WHERE i.case_id = c.id AND i.outcome = 'overturned')::int
    FROM decisions_case c WHERE c.id = ANY(case_ids)
$$;

-- As imr_refresh_item_citations: only differing letters, and no statement when none differs.
CREATE FUNCTION imr_refresh_case_texts(case_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stale bigint[];
BEGIN
    SELECT array_agg(t.case_id) INTO stale
    FROM imr_case_texts(case_ids) t JOIN decisions_case c ON c.id = t.case_id
    WHERE (c.search_requests, c.search_rationales, c.item_count::int, c.overturned_count::int)
          IS DISTINCT FROM (t.requests, t.rationales, t.item_count, t.overturned_count);
    IF stale IS NOT NULL THEN
        -- The row trigger case_written recomputes the same values from the items.
        UPDATE decisions_case SET search_requests = search_requests WHERE id = ANY(stale);
    END IF;
END $$;

CREATE FUNCTION imr_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_case_texts(ARRAY(SELECT DISTINCT case_id FROM new_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION imr_items_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_case_texts(ARRAY(SELECT DISTINCT case_id FROM old_rows));
    RETURN NULL;
END $$;
CREATE FUNCTION imr_items_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM imr_refresh_case_texts(ARRAY(SELECT case_id FROM new_rows UNION SELECT case_id FROM old_rows));
    RETURN NULL;
END $$;

-- A letter written directly (an admin form, psql) gets its texts and counts from its items.
CREATE FUNCTION imr_case_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_requests := imr_case_requests(NEW.id, NEW.diagnoses);
    NEW.search_rationales := imr_case_rationales(NEW.id);
    NEW.item_count := (SELECT count(*) FROM decisions_disputeditem i WHERE i.case_id = NEW.id);
    NEW.overturned_count := (
        SELECT count(*) FROM decisions_disputeditem i WHERE i.case_id = NEW.id AND i.outcome = 'overturned'
    );
    RETURN NEW;
END $$;

CREATE TRIGGER items_inserted AFTER INSERT ON decisions_disputeditem
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_items_inserted();
CREATE TRIGGER items_deleted AFTER DELETE ON decisions_disputeditem
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_items_deleted();
CREATE TRIGGER items_updated AFTER UPDATE ON decisions_disputeditem
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION imr_items_updated();
-- Only on UPDATE: a new letter's items are written after it, and their trigger fills it then.
CREATE TRIGGER case_written BEFORE UPDATE ON decisions_case
    FOR EACH ROW EXECUTE FUNCTION imr_case_written();

SELECT imr_refresh_case_texts(ARRAY(SELECT id FROM decisions_case));
"""

DROP_ALL = "\n".join(
    [
        *(f"DROP TRIGGER archive_changed ON {table}; DROP TRIGGER archive_truncated ON {table};" for table in SEARCH_TABLES),
        "DROP TRIGGER reviewer_slugs ON decisions_reviewer;",
        "DROP TRIGGER citations_inserted ON decisions_citation; DROP TRIGGER citations_deleted ON decisions_citation;",
        "DROP TRIGGER citations_updated ON decisions_citation; DROP TRIGGER guidelines_updated ON decisions_guideline;",
        "DROP TRIGGER items_inserted ON decisions_disputeditem; DROP TRIGGER items_deleted ON decisions_disputeditem;",
        "DROP TRIGGER items_updated ON decisions_disputeditem; DROP TRIGGER case_written ON decisions_case;",
        "DROP TRIGGER item_written ON decisions_disputeditem; DROP FUNCTION imr_item_written();",
        "DROP FUNCTION imr_archive_changed(); DROP FUNCTION imr_reviewer_slugs(); DROP FUNCTION imr_slug(text);",
        "DROP FUNCTION imr_citations_inserted(); DROP FUNCTION imr_citations_deleted(); DROP FUNCTION imr_citations_updated();",
        "DROP FUNCTION imr_guidelines_updated(); DROP FUNCTION imr_refresh_item_citations(bigint[]);",
        "DROP FUNCTION imr_item_citation_copies(bigint[]);",
        "DROP FUNCTION imr_items_inserted(); DROP FUNCTION imr_items_deleted(); DROP FUNCTION imr_items_updated();",
        "DROP FUNCTION imr_case_written(); DROP FUNCTION imr_refresh_case_texts(bigint[]);",
        "DROP FUNCTION imr_case_texts(bigint[]); DROP FUNCTION imr_case_rationales(bigint);",
        "DROP FUNCTION imr_case_requests(bigint, text[]);",
        "DROP TABLE imr_archive_state; DROP SEQUENCE imr_archive_version_seq;",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0011_cache_table"),
    ]

    operations = [
        migrations.RunSQL(SEARCH_TEXT, "DROP FUNCTION imr_search_text(text);"),
        # A generated column's expression cannot be altered in place (before PostgreSQL 17).
        migrations.RemoveIndex(model_name="case", name="case_search_gin"),
        migrations.RemoveField(model_name="case", name="search_vector"),
        migrations.AddField(
            model_name="case",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.RawSQL(CAPPED_VECTOR, []),
                help_text="Weighted full-text vector, kept by PostgreSQL.",
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="case_search_gin"),
        ),
        migrations.RunSQL(VECTOR_IN_ROW, migrations.RunSQL.noop),
        migrations.RunSQL(
            ARCHIVE_VERSION + SPECIALTY_SLUGS + ITEM_CITATIONS + CASE_TEXTS + ARCHIVE_TRIGGERS, reverse_sql=DROP_ALL
        ),
    ]
