"""Settings per environment: ``base`` shared, ``local`` (make demo), ``test`` (pytest), ``production``."""
