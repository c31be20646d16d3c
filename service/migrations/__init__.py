"""Alembic migrations for the service database (run by `service.migrate.upgrade`)."""
