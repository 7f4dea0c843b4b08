"""Helpers for CSV-import tests: upload through the page, then act as the Celery
worker on a private queue of the real Redis broker."""

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from config.celery import app as celery_app


def private_queue(settings) -> str:
    settings.VISITORS_IMPORT_QUEUE = queue = f"test-imports-{uuid.uuid4().hex[:8]}"
    return queue


def drain(queue: str) -> list:
    """Take each task message of `queue` and run it as a worker would."""
    ran = []
    with celery_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                args, kwargs, _embed = message.decode()
                ran.append(celery_app.tasks[message.headers["task"]].apply(args=args, kwargs=kwargs).get())
                message.ack()
        finally:
            simple.close()
    return ran


def upload(client, site, data: bytes, name="visits.csv"):
    return client.post("/visits/import/", {"site": site.pk, "file": SimpleUploadedFile(name, data)})
