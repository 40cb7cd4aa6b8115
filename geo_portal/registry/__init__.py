"""Household registration (戶籍) on the door plates: households, persons, memberships, reviewed registration
events, and an audit log of every read of personal data. The register here is synthetic (generated, marked)."""
