"""Pure parsers for the flattened text fields of the national procedure catalogue.

Each module reads one kind of field and returns plain values plus short
machine-readable flags; nothing here touches files or a database."""
