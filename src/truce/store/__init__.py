"""Storage: tables, migrations, the SQLite writer, repositories and the unit of work."""
