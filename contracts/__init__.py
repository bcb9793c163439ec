"""The platform's data contracts: raw source tables, the batch manifest and the ML output tables."""
