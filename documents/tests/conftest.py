"""Fixtures for documents: a private local store per test, and a live S3 API
endpoint (moto in server mode on loopback) reached over HTTP by boto3."""

import socket
import uuid

import boto3
import pytest
from botocore.config import Config
from django.core.files.storage import FileSystemStorage

from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit, make_visit_type

S3_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, **S3_KEYS)


def make_s3_storage(endpoint: str, bucket: str, **extra):
    from storages.backends.s3 import S3Storage

    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": S3_KEYS["aws_access_key_id"],
        "secret_key": S3_KEYS["aws_secret_access_key"],
        "region_name": S3_KEYS["region_name"],
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 60,
        "object_parameters": {"ServerSideEncryption": "AES256"},
        "client_config": Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    }
    options.update(extra)
    return S3Storage(**options)


@pytest.fixture
def s3_storage(s3_endpoint, s3_client):
    """The settings' S3 options (private, SSE, signed URLs), on a fresh bucket."""
    bucket = f"vestibule-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=bucket)
    store = make_s3_storage(s3_endpoint, bucket)
    store.test_bucket = bucket
    return store


@pytest.fixture(autouse=True)
def local_store(tmp_path, monkeypatch):
    """Every documents test gets its own folder as the default store, so views,
    API and tasks write there and nothing lands in var/media."""
    store = FileSystemStorage(location=tmp_path / "media")
    monkeypatch.setattr("documents.storage.document_storage", lambda: store)
    return store


@pytest.fixture
def visit_a(orgs):
    """A visit of organization A at its first site, hosted by A's host member."""
    with tenant_scope(orgs.a.org):
        return make_visit(orgs.a, visit_type=make_visit_type(orgs.a))
