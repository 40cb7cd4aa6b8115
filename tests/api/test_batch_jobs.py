"""Issue 16 §2: large batches as jobs on the real queue (progress, a private download by token, expiry), and the
synchronous batch's row and time budgets."""

from __future__ import annotations

import csv
import io
import stat
from datetime import timedelta

import pytest
from django.utils import timezone

from geo_portal.addresses.imports import import_doorplates
from geo_portal.api.batch_jobs import purge_expired_batches, token_hash
from geo_portal.api.models import BatchJob
from tests.conftest import X0, Y0, write_csv
from tests.jobs.conftest import job_rows

JOBS = "/api/v1/geocode/batch/jobs"


@pytest.fixture(autouse=True)
def _private_folder(settings, tmp_path):
    settings.GEOCODE_BATCH_DIR = tmp_path / "batch"


@pytest.fixture
def plates(areas, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["address", "x", "y"],
        [["新竹市東區光復路二段1號", X0 + 10, Y0 + 10], ["新竹市東區光復路二段5號", X0 + 30, Y0 + 10]],
    )
    import_doorplates(path=path, columns={"address": "address", "x": "x", "y": "y"}, srid=3826, report_dir=tmp_path)


def csv_upload(text: str, name: str = "mine.csv", encoding: str = "utf-8") -> io.BytesIO:
    upload = io.BytesIO(text.encode(encoding))
    upload.name = name
    return upload


ROWS = "id,地址\n1,光復路二段1號\n2,中山路1號\n3,=HYPERLINK(1)\n4,光復路二段5號\n"


def test_a_job_runs_on_the_queue_and_its_result_is_private_to_the_token(
    client, transactional_db, queue, run_worker, plates, settings
):
    response = client.post(JOBS, {"file": csv_upload(ROWS)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 202
    body = response.json()
    token = body["token"]
    assert len(token) == 43 and response["Location"] == f"{JOBS}/{token}"
    assert {k: body[k] for k in ("status", "rows_done", "rows_total", "file_name", "download_url")} == {
        "status": "queued",
        "rows_done": 0,
        "rows_total": 4,
        "file_name": "mine.csv",
        "download_url": None,
    }
    job = BatchJob.objects.get()
    assert job.token_hash == token_hash(token) and token not in job.token_hash
    folder = settings.GEOCODE_BATCH_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [(p.name, stat.S_IMODE(p.stat().st_mode)) for p in folder.iterdir()] == [(f"{job.pk}-in.csv", 0o600)]
    assert [row for row in job_rows() if row[0].startswith("api.")] == [
        ("api.geocode_batch", {"batch_id": job.pk}, "todo", 0)
    ]
    assert client.get(f"{JOBS}/{token}/result.csv").status_code == 409

    run_worker()

    status = client.get(f"{JOBS}/{token}").json()
    assert (status["status"], status["rows_done"], status["rows_total"], status["by_status"]) == (
        "done",
        4,
        4,
        {"ok": 2, "none": 2},
    )
    assert status["download_url"] == f"{JOBS}/{token}/result.csv"
    result = client.get(status["download_url"])
    assert (result.status_code, result["Content-Type"], result["Cache-Control"]) == (200, "text/csv", "private, no-store")
    assert result["Content-Disposition"] == 'attachment; filename="mine-geocoded.csv"'
    text = b"".join(result.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert [r[:4] for r in rows] == [
        ["id", "地址", "geo_status", "geo_grade"],
        ["1", "光復路二段1號", "ok", "exact"],
        ["2", "中山路1號", "none", "none"],
        ["3", "'=HYPERLINK(1)", "none", "none"],
        ["4", "光復路二段5號", "ok", "exact"],
    ]
    assert [p.name for p in folder.iterdir()] == [f"{job.pk}-out.csv"]  # the upload is gone once geocoded
    # Another token, or none that exists, finds nothing.
    for url in (f"{JOBS}/{token[:-1]}x", f"{JOBS}/{token[:-1]}x/result.csv"):
        missing = client.get(url)
        assert (missing.status_code, missing.json()["fields"]) == (
            404,
            {"token": ["no batch job has this token, or its result has expired"]},
        )


def test_an_unreadable_file_is_refused_and_nothing_is_stored(client, transactional_db, queue, plates, settings):
    response = client.post(JOBS, {"file": csv_upload("id,where\n1,光復路二段1號\n", "bad.csv")}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].startswith("no address column found")
    big5 = client.post(JOBS, {"file": csv_upload("地址\n光復路二段1號\n", "b5.csv", "cp950")})
    assert big5.json()["fields"]["file"][0].startswith("b5.csv: line 1 is not valid utf-8")
    batch_jobs = [row for row in job_rows() if row[0].startswith("api.")]
    assert (BatchJob.objects.count(), batch_jobs, list(settings.GEOCODE_BATCH_DIR.iterdir())) == (0, [], [])
    settings.GEOCODE_BATCH_JOB_MAX_BYTES = 10
    too_big = client.post(JOBS, {"file": csv_upload(ROWS)})
    assert too_big.json()["fields"] == {"file": ["larger than 0 MB; use the geocode_csv command"]}


def test_expired_jobs_are_gone_and_purged_with_their_files(client, transactional_db, queue, run_worker, plates, settings):
    token = client.post(JOBS, {"file": csv_upload(ROWS)}).json()["token"]
    run_worker()
    job = BatchJob.objects.get()
    BatchJob.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"{JOBS}/{token}").status_code == 404
    assert client.get(f"{JOBS}/{token}/result.csv").status_code == 404
    assert (settings.GEOCODE_BATCH_DIR / f"{job.pk}-out.csv").exists()
    assert purge_expired_batches() == 1
    assert (BatchJob.objects.count(), list(settings.GEOCODE_BATCH_DIR.iterdir())) == (0, [])


def test_a_synchronous_batch_past_its_row_budget_is_sent_to_the_jobs(client, plates, settings):
    settings.GEOCODE_BATCH_SYNC_MAX_ROWS = 3
    response = client.post("/api/v1/geocode/batch", {"file": csv_upload(ROWS)})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file": ["4 rows; a synchronous batch takes at most 3: send it to /api/v1/geocode/batch/jobs as a job"]
    }


def test_a_synchronous_batch_past_its_time_budget_ends_with_a_stopped_row(client, plates, settings):
    settings.GEOCODE_BATCH_SYNC_SECONDS = 0
    settings.GEOCODE_BATCH_STREAM_CHUNK_ROWS = 2
    response = client.post("/api/v1/geocode/batch", {"file": csv_upload(ROWS)})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[0] for r in rows] == ["id", "1", "2", ""]
    assert rows[-1][2] == "stopped"
    assert rows[-1][-1] == (
        "stopped before line 4: the time budget of 0 s was used up after 2 rows; "
        "send the file to /api/v1/geocode/batch/jobs as a job"
    )


def test_the_stream_stops_when_the_client_goes_away(client, plates, settings, monkeypatch):
    """Closing the response (what the WSGI server does when the client's socket is gone) stops the work."""
    from geo_portal.addresses.search import batch

    settings.GEOCODE_BATCH_STREAM_CHUNK_ROWS = 1
    chunks = []
    real = batch._match_chunk
    monkeypatch.setattr(
        batch, "_match_chunk", lambda chunk, col, width: chunks.append(chunk[0].line) or real(chunk, col, width)
    )
    response = client.post("/api/v1/geocode/batch", {"file": csv_upload(ROWS)})
    pieces = iter(response.streaming_content)
    assert next(pieces).decode().startswith("id,地址,geo_status")  # header and the first row
    response.close()
    assert chunks == [2]  # lines 3-5 were never geocoded
