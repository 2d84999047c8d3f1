"""An SMS backend for the fault tests' worker subprocess: records each message sent as a line of
``$FAULT_OUTBOX/sms.jsonl``; with ``FAULT_HOLD_SMS`` set, the first send stops at a barrier (writes
``sms-held`` with the pid of the process sending, then waits) — the known point mid-delivery where
a test kills it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from apps.core.sms import BaseSmsBackend


class FileSmsBackend(BaseSmsBackend):
    def send(self, to: str, body: str) -> None:
        outbox = Path(os.environ["FAULT_OUTBOX"])
        held = outbox / "sms-held"
        if os.environ.get("FAULT_HOLD_SMS") and not held.exists():  # the first send only
            held.write_text(str(os.getpid()), encoding="utf-8")
            time.sleep(120)  # the test kills the worker long before
            raise TimeoutError("the test never killed this worker")
        with (outbox / "sms.jsonl").open("a", encoding="utf-8") as sent:
            sent.write(json.dumps({"to": to, "body": body, "pid": os.getpid()}, ensure_ascii=False) + "\n")
