"""The domain: the Project aggregate, its events and rules, and value types."""
