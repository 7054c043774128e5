from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reports.selectors import attention_for


@login_required
def home(request):
    return render(request, "reports/home.html", {"attention": attention_for(user=request.user)})
