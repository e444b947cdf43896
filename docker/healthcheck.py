"""Container health checks: `python docker/healthcheck.py [web|beat]` exits 0 when healthy.

web (the web image's HEALTHCHECK): this container's web process answers /healthz. It asks with
the site's own host name, because Django refuses a Host header that is not in ALLOWED_HOSTS (and
127.0.0.1 need not be).

beat (compose.yaml's check for the beat service, which serves no HTTP): beat, the container's
process 1, holds an established TCP connection to the broker, the one it sends the sweep on.
"""

import os
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ESTABLISHED = "01"  # the state column of /proc/net/tcp


def web_answers() -> bool:
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].lstrip(".")
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read() == b"ok"
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return False


def connected_to_broker(broker_url: str, process: Path = Path("/proc/1")) -> bool:
    """Whether `process` has an established TCP connection to the broker URL's port."""
    broker_port = urlsplit(broker_url).port or 6379
    sockets = set()
    for descriptor in (process / "fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:  # closed since the listing
            continue
        if target.startswith("socket:["):
            sockets.add(target[len("socket:["):-1])
    for table in ("tcp", "tcp6"):
        for line in (process / "net" / table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[3] == ESTABLISHED and remote_port == broker_port and fields[9] in sockets:
                return True
    print("healthcheck: beat has no connection to the broker", file=sys.stderr)
    return False


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else "web"
    if role == "web":
        sys.exit(0 if web_answers() else 1)
    if role == "beat":
        sys.exit(0 if connected_to_broker(os.environ["CELERY_BROKER_URL"]) else 1)
    print("usage: healthcheck.py [web|beat]", file=sys.stderr)
    sys.exit(64)
