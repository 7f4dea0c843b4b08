"""A periodic task for tests/test_two_servers.py: each run leaves a line in
Redis (when, which worker), so the test counts how often beat sent it."""

import json
import time

from django.conf import settings
from redis import Redis

from tenancy.tasks import platform_task

NAME = "tests.beat_probe"


def runs_key() -> str:
    return f"{settings.CACHES['default']['KEY_PREFIX']}:beat-probe"


@platform_task(name=NAME, bind=True)
def beat_probe(self) -> None:
    record = {"at": time.time(), "worker": self.request.hostname}
    Redis.from_url(settings.REDIS_URL).rpush(runs_key(), json.dumps(record))
