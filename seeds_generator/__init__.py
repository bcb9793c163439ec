"""Synthetic e-commerce data generator with planted truth (raw CSVs + manifest + ground truth)."""

from __future__ import annotations

from seeds_generator.faults import FAULT_CLASSES
from seeds_generator.generate import generate
from seeds_generator.increment import generate_increment
from seeds_generator.manifest import read_manifest

__all__ = ["FAULT_CLASSES", "generate", "generate_increment", "read_manifest"]
