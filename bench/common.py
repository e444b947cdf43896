"""What the benches share: a fresh PostgreSQL database of their own."""

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def recreate_database(name, connect_timeout=5):
    """Drop and create `name`; return its URL. Raises psycopg.OperationalError without PostgreSQL."""
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=connect_timeout) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_database(name):
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
