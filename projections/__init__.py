"""Read models fed by the event log: SQLAlchemy tables and tracking, rebuildable."""
