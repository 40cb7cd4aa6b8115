"""The staff home page (``/staff/``): sign-in, sign-out, password change, and per role what it can do with
counts of work waiting. High in the dependency order (beside publicmap and api): reads lower apps' selectors.
"""
