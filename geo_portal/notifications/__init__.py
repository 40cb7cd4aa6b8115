"""Cross-agency change notifications (通報): agencies, their tokens and subscriptions, signed webhook deliveries
with receipts and retries, and daily digest files. Reads the change log; never imports the registry."""
