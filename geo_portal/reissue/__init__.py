"""Re-issuance of door plates (補發門牌): cases from request to the plate on the wall, fees and receipts,
production orders, installation, overdue follow-up and resident notices."""
