"""The state store: SQLAlchemy models, the engine, and units of work."""
