"""``manage.py`` ends its process without the interpreter's teardown (``geo_portal.core.cli``): the exit status,
the exit handlers and the output must be what the ordinary exit gives."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import django
import pytest

from geo_portal.core.cli import exit_status

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("code", "status"), [(None, 0), (0, 0), (3, 3), (256, 0), (-1, 255), (True, 1)]
)  # fmt: skip
def test_exit_status_of_a_code_is_pythons(code, status):
    assert exit_status(code) == status


def test_exit_status_of_a_message_prints_it(capsys):
    assert exit_status("stopped: no file") == 1
    assert capsys.readouterr().err == "stopped: no file\n"


def test_exit_handlers_run_and_buffered_output_is_flushed(tmp_path):
    done = tmp_path / "handler-ran"
    result = _python(
        f"""
        import atexit, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from geo_portal.core.cli import exit_without_teardown
        atexit.register(lambda: Path({str(done)!r}).write_text("yes"))
        sys.stdout.write("no line feed, still in the buffer")
        sys.stderr.write("and on stderr")
        exit_without_teardown(7)
        """,
        tmp_path,
    )
    assert (result.returncode, result.stdout, result.stderr) == (7, "no line feed, still in the buffer", "and on stderr")
    assert done.read_text() == "yes"


def test_a_running_non_daemon_thread_gets_the_ordinary_exit(tmp_path):
    done = tmp_path / "thread-finished"
    result = _python(
        f"""
        import sys, threading, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from geo_portal.core.cli import exit_without_teardown
        def work():
            time.sleep(0.3)
            Path({str(done)!r}).write_text("finished")
        threading.Thread(target=work).start()
        exit_without_teardown(4)
        """,
        tmp_path,
    )
    assert (result.returncode, result.stderr) == (4, "")
    assert done.read_text() == "finished"


def test_manage_py_exit_status_and_messages():
    ok = subprocess.run([sys.executable, "manage.py", "check", "--tag", "urls"], cwd=ROOT, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout) == (0, "System check identified no issues (0 silenced).\n")
    refused = subprocess.run([sys.executable, "manage.py", "import_doorplates"], cwd=ROOT, capture_output=True, text=True)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.splitlines()[-1] == (
        "manage.py import_doorplates: error: the following arguments are required: file"
    )


def test_a_command_that_needs_no_settings_exits_cleanly_when_they_do_not_load():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no_such_settings_module"}
    result = subprocess.run([sys.executable, "manage.py", "version"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{django.get_version()}\n", "")


def test_commands_run_with_the_collector_on_and_the_set_up_frozen_out_of_it():
    """Django sets up with the garbage collector off; what it made is frozen, and the command runs with it on."""
    code = "import gc; print(gc.isenabled(), gc.get_freeze_count() > 50_000, gc.get_count()[2])"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "True True 0\n", "")
