"""The data-exchange API (D-32)."""
