from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "apps.workflow"
    verbose_name = "网上办事 Online services"
