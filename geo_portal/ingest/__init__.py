"""Import bookkeeping shared by every importer: batches, rejection reports, encoding-checked CSV reading."""
