"""How ``manage.py`` runs a command: set up without garbage collection, and ended without the interpreter's teardown.

Django's set-up creates ~100,000 objects that live as long as the process (modules, model classes, settings): the
cyclic garbage collector's passes over them while they are made, and every full pass after, find nothing to free.
So the collector is off while Django sets up, and what set-up made is then frozen out of its passes (``gc.freeze``):
``import_doorplates --help`` median 0.75 → 0.68 s (A/B, 15 alternations), and a re-import's full pass 60–70 ms → 3 ms.

A management command's work is done when it returns: its transaction committed, its files closed. What the
interpreter does after that — freeing ~1,150 modules (GDAL, NumPy, psycopg, Django …) one by one, with garbage
collection passes — took 0.3–0.35 s here, a fifth of the monthly re-import's wall time (issue 16 §5), for nothing a
user sees. So once the command has returned, the database connections are closed, the exit handlers have run
(logging, multiprocessing's children, temporary files) and the standard streams are flushed, the process ends with
``os._exit``. A command that leaves a non-daemon thread running gets the ordinary exit, which waits for it.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Sequence


def run(argv: Sequence[str]) -> None:
    """Run a management command (``execute_from_command_line``) and end the process with its exit status."""
    set_up_without_collection()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(list(argv))
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    exit_without_teardown(code)


def set_up_without_collection() -> None:
    """``django.setup()`` with the garbage collector off, then what it made frozen and the collector back on. A
    set-up that fails is left to ``execute_from_command_line``, which sets up again and reports it as it does."""
    gc.disable()
    try:
        with contextlib.suppress(Exception):
            import django

            django.setup()
    finally:
        gc.freeze()
        gc.enable()


def exit_status(code: object) -> int:
    """The process exit status Python gives ``SystemExit(code)``: None → 0, an integer → itself modulo 256, anything
    else → printed to standard error, 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def exit_without_teardown(code: object) -> None:
    """End the process with ``code``'s exit status once the exit handlers have run and the output is flushed."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if others:
        sys.exit(code)  # the ordinary exit joins them first
    status = exit_status(code)
    if "django.db" in sys.modules:
        from django.conf import settings
        from django.db import connections

        if settings.configured:  # not when the settings module failed to load: its error was reported
            connections.close_all()
    atexit._run_exitfuncs()  # what the ordinary exit would run: logging.shutdown, weakref finalizers …
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the ordinary exit says 120 too
            status = status or 120
    os._exit(status)
