"""Where backup copies go: one small class per kind of medium, behind one
interface, so a new target (SFTP, tape gateway) is one more class."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class DestinationError(Exception):
    pass


@dataclass
class Destination:
    name: str
    offsite: bool = False
    media = ""

    def put(self, backup_id: str, part: str, path: Path) -> None:
        raise NotImplementedError

    def fetch(self, backup_id: str, part: str, path: Path) -> None:
        raise NotImplementedError

    def backups(self) -> list[str]:
        """Ids of complete backups (their manifest was written last)."""
        raise NotImplementedError

    def delete(self, backup_id: str) -> None:
        raise NotImplementedError

    def describe(self) -> dict:
        return {"name": self.name, "media": self.media, "offsite": self.offsite}


@dataclass
class LocalDestination(Destination):
    path: str = ""
    media = "disk"

    def _dir(self, backup_id: str) -> Path:
        return Path(self.path) / backup_id

    def put(self, backup_id, part, path):
        target = self._dir(backup_id)
        try:
            target.mkdir(parents=True, exist_ok=True)
            # Copy then rename: a crash never leaves a half part under its real name.
            shutil.copyfile(path, target / f".{part}.tmp")
            (target / f".{part}.tmp").replace(target / part)
        except OSError as exc:
            raise DestinationError(f"{self.name}: {exc}") from exc

    def fetch(self, backup_id, part, path):
        try:
            shutil.copyfile(self._dir(backup_id) / part, path)
        except OSError as exc:
            raise DestinationError(f"{self.name}: {backup_id}/{part}: {exc.strerror or exc}") from exc

    def backups(self):
        root = Path(self.path)
        if not root.is_dir():
            return []
        return sorted(p.parent.name for p in root.glob("*/manifest.json.enc"))

    def delete(self, backup_id):
        shutil.rmtree(self._dir(backup_id), ignore_errors=True)


@dataclass
class S3Destination(Destination):
    bucket: str = ""
    prefix: str = "backups/"
    endpoint_url: str | None = None
    region_name: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    media = "object storage"

    def client(self):
        # heavy: boto3 loads in ~200 ms, only when an S3 destination is used
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region_name or "eu-west-3",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            # Fail fast when an endpoint is down: the other copies must still be made.
            config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 2}),
        )

    def _key(self, backup_id, part):
        return f"{self.prefix}{backup_id}/{part}"

    def put(self, backup_id, part, path):
        from boto3.s3.transfer import TransferConfig  # heavy: boto3, only for an S3 copy

        try:
            # upload_file streams in multipart pieces: memory does not grow with size.
            self.client().upload_file(
                str(path),
                self.bucket,
                self._key(backup_id, part),
                Config=TransferConfig(multipart_chunksize=8 << 20),
            )
        except Exception as exc:
            raise DestinationError(f"{self.name}: {exc}") from exc

    def fetch(self, backup_id, part, path):
        try:
            self.client().download_file(self.bucket, self._key(backup_id, part), str(path))
        except Exception as exc:
            raise DestinationError(f"{self.name}: {backup_id}/{part}: {exc}") from exc

    def backups(self):
        found = []
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                rest = item["Key"][len(self.prefix) :]
                backup_id, _, part = rest.partition("/")
                if part == "manifest.json.enc":
                    found.append(backup_id)
        return sorted(found)

    def delete(self, backup_id):
        client = self.client()
        listed = client.list_objects_v2(Bucket=self.bucket, Prefix=f"{self.prefix}{backup_id}/")
        keys = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})


KINDS = {"local": LocalDestination, "s3": S3Destination}


def configured() -> list[Destination]:
    """settings.BACKUP_DESTINATIONS: a list of dicts with a `kind` and the
    fields of that kind's class."""
    out = []
    for entry in settings.BACKUP_DESTINATIONS:
        entry = dict(entry)
        kind = KINDS[entry.pop("kind")]
        out.append(kind(**entry))
    return out


def by_name(name: str) -> Destination:
    for destination in configured():
        if destination.name == name:
            return destination
    raise DestinationError(f"no backup destination named {name!r}")


def three_two_one(made: list[Destination], planned: list[Destination]) -> dict:
    """The 3-2-1 rule, counted over the copies actually made: 3 copies, on 2 kinds
    of media, 1 off site."""
    media = sorted({d.media for d in made})
    offsite = any(d.offsite for d in made)
    return {
        "copies": len(made),
        "planned": len(planned),
        "media": media,
        "offsite": offsite,
        "met": len(made) >= 3 and len(media) >= 2 and offsite,
        "summary": f"{len(made)} of {len(planned)} copies, {len(media)} kind(s) of media, "
        + ("1 off site" if offsite else "none off site"),
    }
