"""Evaluation against planted truth: runs only where a source ships ground truth (the generator)."""
