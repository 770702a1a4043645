"""Customers in and out in bulk: CSV import with a YAML column mapping, all rows or none
(:mod:`.csv_import`), and CSV export in constant memory (:mod:`.csv_export`).

The import's parts: the mapping (:mod:`.column_mapping`, each column a rule of the one
mapping engine in :mod:`lealtad.core.record_mapping`), reading the CSV (:mod:`.csv_dialect`),
a row to its event (:mod:`.row_events`), the row's checks and warnings (:mod:`.row_checks`)
and the report (:mod:`.import_report`).
"""
