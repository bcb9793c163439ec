"""Warehouse access: settings, the embedded PostgreSQL server, connections and the raw load."""
