"""The image's health check: the site answers on its port (``python -m gradio_app.healthcheck``).

Any answer of the site's own counts: its page (200), or the 401 it gives a request without the
platform's identity when it runs behind the platform's sign-in (AVA_RD_AUTH=proxy).
"""

from __future__ import annotations

import http.client
import sys

ALIVE = (200, 401)


def answers(port: int, *, timeout: float = 4.0) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status in ALIVE
    except OSError:
        return False
    finally:
        connection.close()


def main() -> None:
    from gradio_app.settings import SiteSettings

    sys.exit(0 if answers(SiteSettings().port) else 1)


if __name__ == "__main__":
    main()
