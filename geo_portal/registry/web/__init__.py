"""The registrars' pages under ``/registry/``: search, a plate's households, event entry, review and application."""
