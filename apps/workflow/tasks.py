"""Thin, idempotent Celery tasks over the workflow services."""

from apps.core.tasks import portal_task

from . import services


@portal_task(name="workflow.application_precheck")
def application_precheck(application_id: int) -> str:
    application = services.application_precheck(application_id=application_id)
    return "done" if application else "skipped"


@portal_task(name="workflow.deadlines_scan")
def deadlines_scan() -> dict:
    return services.deadlines_scan()


@portal_task(name="workflow.prechecks_sweep")
def prechecks_sweep() -> int:
    return services.prechecks_sweep()
