"""Chunghwa Post 3+3 zip codes: the rule language (``rules``, pure) and the services that store rules and assign
codes to plates (``services``). Called by the ``import_zip_rules`` command, ``demo_setup``, the after-import job
(``addresses.tasks``) and the bench.
"""

from geo_portal.addresses.zipcodes.rules import ZipRule, find_zip, parse_scope
from geo_portal.addresses.zipcodes.services import ZipResult, assign_zip_codes, import_zip_rules

__all__ = ["ZipResult", "ZipRule", "assign_zip_codes", "find_zip", "import_zip_rules", "parse_scope"]
