"""Investment-attraction CRM: an append-only log of a zone's investment work."""
