"""Data sets that ship inside installed packages and that checks grade with: where they are.

Plain Python (neither Django nor torch), so that the worker can hide them from every sandbox job
before it loads anything else: a digits training check keeps its held-out labels on the trusted
side, and a job that could read the file they come from could look every label up.
"""

import importlib.util
from pathlib import Path

DIGITS_DIR = Path(importlib.util.find_spec("sklearn").origin).parent / "datasets" / "data"
DIGITS_CSV = DIGITS_DIR / "digits.csv.gz"
# Directories every sandbox job sees empty.
HIDDEN_FROM_JOBS = (DIGITS_DIR,)
