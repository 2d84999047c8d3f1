"""DRF's own renderings of single values, for serializers that write their fields out.

A list's serializer that builds its rows directly (``to_representation``) instead of through DRF's
per-field machinery must still render a moment or a day exactly as a ``DateTimeField`` or
``DateField`` would: these call those fields' own code (the portal's time zone, ISO 8601, ``Z`` for
UTC), so the two paths cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework import serializers

_MOMENT = serializers.DateTimeField()
_DAY = serializers.DateField()


def moment(value: dt.datetime | None) -> Any:
    return _MOMENT.to_representation(value) if value is not None else None


def day(value: dt.date | None) -> Any:
    return _DAY.to_representation(value) if value is not None else None
