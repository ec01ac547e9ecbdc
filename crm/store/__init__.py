"""Where events are kept: the SQLite and PostgreSQL event stores, the hash chain binding
every stored event, and how events are encoded."""
