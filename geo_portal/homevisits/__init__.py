"""Home visits (到宅服務): requests by address, day plans in visiting order and the offline visit sheet."""
