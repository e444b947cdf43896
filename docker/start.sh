#!/bin/sh
# Start one torchgrade process in a container: docker/start.sh web|worker|beat|migrate
#
# Every role needs the database and the broker, so each refuses to start without their URLs
# (a container that silently fell back to SQLite or a local Redis would lose data) and waits for
# both to answer. A worker also proves its sandbox can isolate jobs before it takes any task.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/opt/torchgrade/venv/bin/python}
role=${1:-}

case "$role" in
  web|worker|beat|migrate) ;;
  *) echo "usage: $0 web|worker|beat|migrate" >&2; exit 64 ;;
esac
for name in DATABASE_URL CELERY_BROKER_URL; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "start.sh: $name is not set; refusing to start the $role" >&2
    exit 78
  fi
done

"$PYTHON" docker/wait_for.py --timeout "${WAIT_TIMEOUT_S:-60}"

case "$role" in
  migrate)
    "$PYTHON" manage.py migrate --noinput
    # COURSES: course folders to import (idempotent), e.g. "content/pytorch-essentials".
    for course in ${COURSES:-}; do
      "$PYTHON" manage.py import_course "$course"
    done
    ;;
  web)
    exec "$PYTHON" -m gunicorn torchgrade.wsgi --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" --threads "${WEB_THREADS:-4}" --timeout 30 \
      --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
    ;;
  worker)
    queues=${WORKER_QUEUES:-cpu}
    "$PYTHON" -m sandbox check
    # the broker's names of these kinds for this site's database (torchgrade/queues.py)
    exec "$PYTHON" -m celery -A torchgrade worker --queues "$("$PYTHON" -m torchgrade.queues "$queues")" \
      --concurrency "${WORKER_CONCURRENCY:-2}" --hostname "${WORKER_NAME:-$queues@%h}" \
      --without-gossip --without-mingle --loglevel INFO
    ;;
  beat)
    # One beat for the whole site: it sends the sweep that re-enqueues stuck submissions.
    exec "$PYTHON" -m celery -A torchgrade beat --schedule /tmp/celerybeat-schedule --loglevel INFO
    ;;
esac
