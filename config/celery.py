import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("vestibule")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _redbeat_bare_names(sender, **kwargs):
    # celery-redbeat asks whether its URL is set under its bare name, which a
    # CELERY_-namespaced setting is not, and would warn at every start that it
    # falls back to the broker's URL (the same one: REDIS_URL).
    sender.conf.redbeat_redis_url = sender.conf.first("redbeat_redis_url")
