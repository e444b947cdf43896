"""Wait until the database and the broker answer, or exit 1 saying which did not.

docker/start.sh runs this first: containers start in any order, and a worker or web process
that starts before PostgreSQL is up would crash and restart in a loop instead.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60)
    timeout = parser.parse_args().timeout

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torchgrade.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import OperationalError, connection

    from torchgrade.broker import answers

    deadline = time.monotonic() + timeout
    waiting = {"database", "broker"}
    while True:
        if "database" in waiting:
            try:
                connection.ensure_connection()
                waiting.discard("database")
            except OperationalError:
                connection.close()
        if "broker" in waiting and answers(settings.CELERY_BROKER_URL):
            waiting.discard("broker")
        if not waiting:
            return 0
        if time.monotonic() > deadline:
            print(f"wait_for: gave up after {timeout:.0f} s; not answering: {', '.join(sorted(waiting))}", file=sys.stderr)
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
