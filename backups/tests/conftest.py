"""Backups run for real: pg_dump against the test database (committed rows,
hence `transactional_db`), a local folder, and a live S3 API (moto's server)
on a loopback port."""

import base64
import os
import socket

import pytest

KEY_1 = base64.b64encode(b"1" * 32).decode()
KEY_2 = base64.b64encode(b"2" * 32).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_destination(endpoint, bucket, name, offsite=False):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    return {
        "kind": "s3",
        "name": name,
        "offsite": offsite,
        "bucket": bucket,
        "endpoint_url": endpoint,
        "region_name": "eu-west-3",
        "access_key_id": "testing",
        "secret_access_key": "testing",
    }


@pytest.fixture
def backup_settings(settings, tmp_path, s3_endpoint, request):
    """Three destinations (disk, S3, off-site S3), one key, files in a temporary
    media folder."""
    suffix = request.node.name.lower().replace("_", "-")[:40].strip("-")
    settings.BACKUP_KEYS = f"k1:{KEY_1}"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_WORK_DIR = str(tmp_path / "work")
    settings.BACKUP_DESTINATIONS = [
        {"kind": "local", "name": "local", "path": str(tmp_path / "backups")},
        s3_destination(s3_endpoint, f"bk-{suffix}", "s3"),
        s3_destination(s3_endpoint, f"off-{suffix}", "offsite", offsite=True),
    ]
    return settings


@pytest.fixture
def data(transactional_db, orgs):
    """A little of everything: visits, a journal, a stored file."""
    from backups.tests.factories import populate

    return populate(orgs)
