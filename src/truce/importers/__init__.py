"""Reading report files: UCDP GED, ACLED and Truce's own CSV template, row by row.

Each format turns a row into a :class:`truce.domain.reports.ReportDraft` or names the column
at fault; :mod:`actors` matches the names of armed groups to registry parties, and
:mod:`geocode` places reports and spells their admin units alike. Storing is the services' work
(``truce.services.imports``).
"""
