"""The use cases: writes (load, decide, save, retry lost races), reads (live or as
recorded), import, export, copy and verify."""
