"""Demo accounts: one per role, all with ``settings.DEMO_PASSWORD``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from . import roles, services

DEMO_ACCOUNTS = [
    # username, roles, e-mail, phone, superuser
    ("talent_demo", [roles.TALENT], "talent_demo@example.cn", "13800138000", False),
    ("hr_demo", [roles.ENTERPRISE_HR], "hr_demo@example.cn", "13900139001", False),
    ("hr_demo2", [roles.ENTERPRISE_HR], "hr_demo2@example.cn", "13900139002", False),
    ("clerk_demo", [roles.INTAKE_CLERK], "clerk_demo@rsj.haizhu.gov.cn", None, False),
    ("reviewer_demo", [roles.REVIEWER], "reviewer_demo@rsj.haizhu.gov.cn", None, False),
    ("approver_demo", [roles.APPROVER], "approver_demo@rsj.haizhu.gov.cn", None, False),
    ("finance_demo", [roles.FINANCE], "finance_demo@rsj.haizhu.gov.cn", None, False),
    ("admin_demo", sorted(roles.STAFF_ROLES), "admin_demo@rsj.haizhu.gov.cn", None, True),
]


def seed(stdout=None) -> None:
    User = get_user_model()
    password = settings.DEMO_PASSWORD
    for username, role_names, email, phone, superuser in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            services.user_create(
                username=username,
                password=password,
                email=email,
                phone=phone,
                role_names=role_names,
                is_superuser=superuser,
            )
        else:
            # Idempotent: bring an existing demo account back to its roles and password.
            user.groups.set(Group.objects.filter(name__in=role_names))
            user.is_staff = superuser or bool(set(role_names) & roles.STAFF_ROLES)
            user.is_superuser = superuser
            user.is_active = True
            user.set_password(password)
            user.save()
    if stdout:
        stdout.write(f"demo accounts: {', '.join(a[0] for a in DEMO_ACCOUNTS)} (password from DEMO_PASSWORD)")
