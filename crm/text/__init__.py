"""What people type and read: parsing, input models, the message catalogue, renderers of
tables, reports and the narrative, and reading and writing sheets."""
