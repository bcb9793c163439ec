"""Source adapters: code that turns another dataset into batches in the platform's source
contract (`contracts/raw_tables.py` + `contracts/manifest.py`). They depend on the contracts
only; orchestration picks one, and nothing after the loader knows which fed the warehouse."""
