"""The office's census views, by page: campaigns and their dashboard, task review, proposals, paper sheets and
key-in, exports and photos. Thin: check who asks, read a form, call one census service or office selector, shape
the answer; a ``CensusRefused`` becomes a message on the page."""
