"""The harness as a sandbox job receives it: its source text, and the digest that names it.

Apart from `evaluation`, so that the site can name the harness (grader.models.ReferenceAnswers
keeps the digest of the harness that made each stored answer) without importing torch.
"""

import hashlib
from pathlib import Path

# A job runs one program: the harness's source follows that of the module it uses (judging.simulation),
# whose names it takes from the same namespace.
HARNESS_PARTS = ("simulation.py", "harness.py")
HARNESS_SOURCE = "\n\n".join(Path(__file__).with_name(part).read_text() for part in HARNESS_PARTS)
# Stored reference answers made by another harness may answer in another form: they are not used.
HARNESS_DIGEST = hashlib.sha256(HARNESS_SOURCE.encode()).hexdigest()[:16]
