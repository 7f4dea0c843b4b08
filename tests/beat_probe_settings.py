"""The settings with one periodic task only, every second: the
probe (tests/beat_probe.py). Beats started by tests/test_two_servers.py use it,
so that nothing else of the schedule (a backup, a purge) runs during the test."""

from config.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {"two-servers-probe": {"task": "tests.beat_probe", "schedule": 1.0}}
# Look at the schedule every second: a standby beat takes the lock within a second.
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
