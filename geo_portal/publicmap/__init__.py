"""Public, read-only pages for citizens: door plates, buildings, villages and aggregates only."""
