"""Settings for ``bench/load.py``'s gunicorn: the project's own, production-like (``DEBUG`` off), with
``bench/urls_load.py`` as the URLconf (the project's URLs plus the bare views it is compared with)."""

from talentportal.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls_load"
