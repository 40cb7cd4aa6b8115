"""Door plates (門牌): the address entity, its parser, history, write services and importers.

Modules: ``models``, ``parsing`` (pure parser), ``plates`` (versioned write services), ``selectors``, ``public``
(the public columns as SQL, for bulk readers); subpackages ``search`` (geocode, autocomplete, reverse, batch),
``imports`` (the CSV import: staging and merge SQL) and ``zipcodes`` (3+3 rules and their assignment). Each
subpackage's ``__init__`` is its public face.
"""
