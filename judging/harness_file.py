"""The harness as a sandbox job receives it: its source text, and the digest that names it.

Apart from `evaluation`, so that the site can name the harness (grader.models.ReferenceAnswers
keeps the digest of the harness that made each stored answer) without importing torch.
"""

import hashlib
from pathlib import Path

HARNESS_SOURCE = Path(__file__).with_name("harness.py").read_text()
# Stored reference answers made by another harness may answer in another form: they are not used.
HARNESS_DIGEST = hashlib.sha256(HARNESS_SOURCE.encode()).hexdigest()[:16]
