"""Two machines (issue 20, deliverable 6): two web servers (gunicorn, started as
`make run` starts it, behind one public name as a load balancer would put them), two Celery
workers and two beats, all on the same PostgreSQL, Redis and S3 endpoint (moto's
server on loopback). Nothing one process keeps for itself may be needed by
another: a session opened on one server works on the other, an arrival made
through one is seen by a desk on the other, a file uploaded through one is read
through the other, an export asked of one is written by a worker and downloaded
through the other, and a periodic task is sent once although two beats run."""

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connections
from redis import Redis

from config.embedded import pick_port
from tenancy.scope import tenant_scope
from tenancy.tokens import create_token
from visitors.tests.factories import make_visit, make_visit_type

pytestmark = [pytest.mark.xdist_group("two_servers"), pytest.mark.django_db(transaction=True)]

BASE = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
HOST = "vestibule.test"  # the public name both servers answer to
PASSWORD = "Two-servers-pass-2026"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
S3_KEYS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_S3_REGION_NAME": "us-east-1",
}


class Machines:
    """The processes of the test, each writing its log to a file (a pipe nobody
    reads would stop it); stopped, by their own ids, at the end."""

    def __init__(self, folder: Path, env: dict):
        self.folder, self.env, self.processes = folder, env, {}

    def start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=BASE, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = (process, log)
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def wait_for_log(self, name: str, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            process = self.processes[name][0]
            assert process.poll() is None, f"{name} stopped:\n{self.log(name)}"
            assert time.monotonic() < deadline, f"{name} never said {text!r}:\n{self.log(name)}"
            time.sleep(0.1)

    def stop(self, name: str) -> None:
        process, log = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def database_url(alias: str) -> str:
    db = connections[alias].settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def s3_bucket():
    from moto.server import ThreadedMotoServer

    port = pick_port(47000)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint, bucket = f"http://127.0.0.1:{port}", f"two-servers-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    try:
        yield endpoint, bucket
    finally:
        server.stop()


@pytest.fixture
def machines(tmp_path, s3_bucket):
    endpoint, bucket = s3_bucket
    # A Redis database of its own: the other tests' queued messages (db 15) are
    # not these workers' business, and a prefix of its own for the cache and beat.
    redis_url = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BACKUP_", "AWS_"))},
        # As `python -m config.launcher run` starts them: DEBUG off, gunicorn, the
        # application role; production's collected static files would take minutes
        # to build here, so DJANGO_ENV stays the launcher's.
        "DJANGO_ENV": "development",
        "CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url("default"),
        "DATABASE_OWNER_URL": database_url("owner"),
        "REDIS_URL": redis_url,
        "CACHE_PREFIX": f"two-servers-{uuid.uuid4().hex[:8]}",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        **S3_KEYS,
        "BACKUP_KEYS": "k1:" + "A" * 43 + "=",
        "BACKUP_DIR": "",
        "LOG_LEVEL": "WARNING",
    }
    running = Machines(tmp_path, env)
    try:
        yield running
    finally:
        running.stop_all()
        Redis.from_url(redis_url).flushdb()


def web(machines: Machines, name: str) -> int:
    port = pick_port(18500 if name == "web1" else 18600)
    # As `python -m config.launcher run` starts it, on another port.
    command = [str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
    machines.start(name, [*command, "--graceful-timeout", "5"])
    return port


def celery(machines: Machines, name: str, *args: str, **env) -> None:
    machines.start(name, [str(BIN / "celery"), "-A", "config", *args], **env)


class Client:
    """One server, reached as the load balancer would: the public name in Host,
    TLS ended in front of it (X-Forwarded-Proto), cookies carried by hand (they
    are Secure, and this is plain HTTP on loopback)."""

    def __init__(self, port: int):
        self.port = port

    def call(self, method, path, *, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        head = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        connection.request(method, path, body=body, headers=head)
        response = connection.getresponse()
        answer = (response.status, response.getheaders(), response.read())
        connection.close()
        return answer

    def ready(self, log, timeout=30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.call("GET", "/login/")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the server on {self.port} never answered:\n{log()}"
            time.sleep(0.2)


def cookies(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key] = rest.split(";")[0]
    return found


def token_headers(key: str, **more) -> dict:
    return {"Authorization": f"Token {key}", **more}


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def sign_in(server: Client, email: str) -> dict[str, str]:
    status, headers, _page = server.call("GET", "/login/")
    jar = cookies(headers)
    form = urlencode({"username": email, "password": PASSWORD, "csrfmiddlewaretoken": jar["csrftoken"]})
    status, headers, page = server.call(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/login/",
        },
    )
    assert status == 302, page.decode()[:2000]
    return {**jar, **cookies(headers)}


def cookie_header(jar: dict) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def test_two_web_servers_two_workers_and_two_beats_share_everything(orgs, machines):
    started = time.monotonic()
    org = orgs.a
    with tenant_scope(org.org):
        visit = make_visit(org, visit_type=make_visit_type(org))
        reception = org.members["reception"]
        # Outside tests passwords are PBKDF2 alone (the tests' MD5 is refused there).
        reception.user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
        reception.user.save(update_fields=["password"])
        _token, desk_key = create_token(membership=reception, name="desk on server 2")
        _token, admin_key = create_token(membership=org.members["admin"], name="admin")

    # Everything starts at once, as machines do: whichever beat takes the lock first sends.
    for name in ("beat1", "beat2"):
        celery(machines, name, "beat", "-l", "info", DJANGO_SETTINGS_MODULE="tests.beat_probe_settings")
    ports = [web(machines, "web1"), web(machines, "web2")]
    for name in ("worker1", "worker2"):
        celery(machines, name, "worker", "-n", f"{name}@%h", "-c", "1", "-I", "tests.beat_probe")
    one, two = Client(ports[0]), Client(ports[1])
    one.ready(lambda: machines.log("web1"))
    two.ready(lambda: machines.log("web2"))
    up = time.monotonic()

    # A session opened on server 1 is known to server 2 (PostgreSQL and the Redis cache).
    session = sign_in(one, reception.user.email)
    status, _h, page = two.call("GET", "/desk/", headers=cookie_header(session))
    assert status == 200, page[:500]
    assert f"/desk/visits/{visit.pk}/arrive/".encode() in page  # expected, not yet arrived

    # An arrival through server 2 is seen by the desk on server 1.
    status, _h, body = two.call(
        "POST",
        f"/api/v1/visits/{visit.pk}/arrive/",
        body=json.dumps({"desk": org.desk.pk}),
        headers=token_headers(desk_key, **{"Content-Type": "application/json"}),
    )
    assert status == 200, body
    status, _h, page = one.call("GET", "/desk/", headers=cookie_header(session))
    assert status == 200 and f"/desk/visits/{visit.pk}/depart/".encode() in page
    status, _h, body = one.call("GET", f"/api/v1/visits/{visit.pk}/", headers=token_headers(desk_key))
    assert status == 200 and json.loads(body)["status"] == "arrived"

    # A file uploaded through server 1 is read through server 2 (S3, not a local disk).
    form, content_type = multipart({"kind": "other"}, "permit.pdf", PDF)
    status, _h, body = one.call(
        "POST",
        f"/api/v1/visits/{visit.pk}/attachments/",
        body=form,
        headers=token_headers(desk_key, **{"Content-Type": content_type}),
    )
    assert status == 201, body
    attachment = json.loads(body)["id"]
    status, headers, body = two.call(
        "GET", f"/api/v1/attachments/{attachment}/download/", headers=token_headers(desk_key)
    )
    assert status == 302, body
    location = dict(headers)["Location"]
    assert urlsplit(location).netloc == urlsplit(machines.env["AWS_S3_ENDPOINT_URL"]).netloc
    with urllib.request.urlopen(location, timeout=10) as stored:  # noqa: S310 - moto on loopback
        assert stored.read() == PDF

    # An export asked of server 1 is written by a worker and downloaded through server 2.
    status, _h, body = one.call(
        "POST",
        "/api/v1/exports/",
        body=json.dumps({"dataset": "visits"}),
        headers=token_headers(admin_key, **{"Content-Type": "application/json"}),
    )
    assert status == 202, body
    job = json.loads(body)["id"]
    deadline = time.monotonic() + 20
    while True:
        status, _h, body = two.call("GET", f"/api/v1/exports/{job}/", headers=token_headers(admin_key))
        if json.loads(body)["status"] == "done":
            break
        assert time.monotonic() < deadline, (body, machines.log("worker1"), machines.log("worker2"))
        time.sleep(0.2)
    status, _h, csv = two.call("GET", f"/api/v1/exports/{job}/download/", headers=token_headers(admin_key))
    assert status == 200 and str(visit.pk).encode() in csv

    # Signing out on server 2 ends the session on server 1 too.
    status, _h, _page = two.call(
        "POST",
        "/logout/",
        body=urlencode({"csrfmiddlewaretoken": session["csrftoken"]}),
        headers={
            **cookie_header(session),
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/desk/",
        },
    )
    assert status == 302
    status, headers, _page = one.call("GET", "/desk/", headers=cookie_header(session))
    assert status == 302 and "/login/" in dict(headers)["Location"]

    checked = time.monotonic()
    check_beats_send_once(machines)
    done = time.monotonic()
    print(
        f"\ntwo servers, two workers, two beats: {done - started:.1f} s (servers up {up - started:.1f} s, "
        f"HTTP checks {checked - up:.1f} s, beats {done - checked:.1f} s; load {os.getloadavg()[0]:.1f})"
    )


SENT = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})[^\]]*\] Scheduler: Sending due task two-servers-probe"
)


def sends(machines: Machines, name: str) -> list[datetime]:
    """When this beat sent the probe, from its log."""
    return [datetime.strptime(t, "%Y-%m-%d %H:%M:%S,%f") for t in SENT.findall(machines.log(name))]


def probe_runs(machines: Machines) -> list[dict]:
    redis = Redis.from_url(machines.env["REDIS_URL"])
    key = f"{machines.env['CACHE_PREFIX']}:beat-probe"
    return [json.loads(line) for line in redis.lrange(key, 0, -1)]


def wait_for_runs(machines: Machines, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(runs := probe_runs(machines)) < count:
        assert time.monotonic() < deadline, (runs, machines.log("beat1"), machines.log("beat2"))
        time.sleep(0.1)
    return runs


def check_beats_send_once(machines: Machines) -> None:
    """One beat holds the lock and sends; the other waits and sends nothing while
    the first lives. When the first stops, the other takes over from the schedule
    kept in Redis. Every run of the probe is one send, and sends are a second
    apart: two beats sending would put two in some second."""
    wait_for_runs(machines, 3)
    leaders = [name for name in ("beat1", "beat2") if "beat: Acquired lock" in machines.log(name)]
    assert len(leaders) == 1, (machines.log("beat1"), machines.log("beat2"))
    leader = leaders[0]
    standby = "beat2" if leader == "beat1" else "beat1"
    assert machines.processes[standby][0].poll() is None, machines.log(standby)  # alive, waiting
    assert sends(machines, standby) == []
    runs = wait_for_runs(machines, len(sends(machines, leader)))
    assert len(runs) <= len(sends(machines, leader))

    machines.stop(leader)
    led = sends(machines, leader)
    machines.wait_for_log(standby, "beat: Acquired lock", timeout=15)
    runs = wait_for_runs(machines, len(led) + 2)
    took_over = sends(machines, standby)
    assert took_over and took_over[0] > led[-1]
    assert len(runs) <= len(led) + len(sends(machines, standby))
    every = led + took_over
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(every)]
    assert min(gaps) >= 0.9, gaps
