#!/usr/bin/env python
"""Django's command-line utility for geo_portal (defaults to the local development settings)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.local")
    from geo_portal.core.cli import run

    run(sys.argv)
