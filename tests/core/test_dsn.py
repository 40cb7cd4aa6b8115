"""Database URLs built from Django's DATABASES entries, for sockets (in OPTIONS) and TCP hosts."""

from __future__ import annotations

from geo_portal.core.dsn import connection_params, database_url

SOCKET = {
    "NAME": "geo",
    "USER": "postgres",
    "PASSWORD": "",
    "HOST": "",
    "PORT": "",
    "OPTIONS": {"host": "/work/main/.data/run", "port": 5433},
}
TCP = {"NAME": "geo", "USER": "geo user", "PASSWORD": "p@ss/word", "HOST": "db", "PORT": 5432, "OPTIONS": {}}


def test_socket_entry():
    assert connection_params(SOCKET) == {
        "host": "/work/main/.data/run",
        "port": "5433",
        "dbname": "geo",
        "user": "postgres",
        "password": "",
    }
    assert database_url(SOCKET) == "postgis://postgres@/geo?host=/work/main/.data/run&port=5433"


def test_tcp_entry_quotes_user_and_password():
    assert database_url(TCP, scheme="postgresql+psycopg") == "postgresql+psycopg://geo%20user:p%40ss%2Fword@db:5432/geo"
