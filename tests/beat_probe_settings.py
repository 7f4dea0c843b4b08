"""The settings with one periodic task only, every second: the
probe (tests/beat_probe.py). Beats started by tests/test_two_servers.py use it,
so that nothing else of the schedule (a backup, a purge) runs during the test."""

from config.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {"two-servers-probe": {"task": "tests.beat_probe", "schedule": 1.0}}
# Look at the schedule every second: a standby beat takes the lock within a second.
CELERY_BEAT_MAX_LOOP_INTERVAL = 1
# A beat starved of CPU by a busy machine keeps its lock this long (the default
# is 5 loops, 5 s here); a beat that stops releases it at once.
CELERY_REDBEAT_LOCK_TIMEOUT = 30
