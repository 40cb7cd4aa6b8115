"""The register's write services: registration events through their review (``events``), the checks and plans
behind them (``checks``, ``planners``, ``ops``) and key rotation (``keys``)."""
