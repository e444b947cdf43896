"""Container health check: exit 0 if this container's web process answers /healthz.

It asks with the site's own host name, because Django refuses a Host header that is not in
ALLOWED_HOSTS (and 127.0.0.1 need not be).
"""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].lstrip(".")
request = urllib.request.Request(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.read() == b"ok" else 1)
except OSError as exc:
    print(f"healthcheck: {exc}", file=sys.stderr)
    sys.exit(1)
