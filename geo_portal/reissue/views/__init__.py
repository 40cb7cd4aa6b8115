"""Re-issuance pages: the counter, cases and their steps, the fee schedule, production orders, the census findings
and citizen reports waiting for a case (staff, by role), and the public status page by reference."""
