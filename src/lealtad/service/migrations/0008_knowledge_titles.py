"""PostgreSQL: a GIN index over the knowledge base's titles alone.

The search asks for a very common word in titles only (service_engine.search.query.shape);
the tsvector's weight labels do not narrow a GIN scan (every article with the word is read
and rechecked), so titles get their own expression index. Nothing on SQLite (FTS5 filters
columns itself)."""

from django.db import migrations

FORWARD = (
    "CREATE INDEX service_kb_title_gin ON service_articleversion"
    " USING gin (to_tsvector('simple', search_title))"
)
BACKWARD = "DROP INDEX IF EXISTS service_kb_title_gin"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("service", "0007_sla_clock")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
