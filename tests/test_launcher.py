"""`make run` gives a clear message when its web port is taken."""

import os
import socket
import subprocess
import sys

from django.conf import settings


def test_port_in_use_names_the_port_and_the_variable():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "config.launcher", "run"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"Port {port} is already in use" in result.stdout
    assert "PORT" in result.stdout
