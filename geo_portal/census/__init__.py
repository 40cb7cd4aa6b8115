"""Census field work (門牌清查): campaigns, number-aware tasks of entrances, findings synced from an offline
field app, supervisor validation applied through the plate services, and a hand-off to re-issuance."""
