"""The leaders' summary: the dashboard's button queues it, a status page follows the job, a download serves it.

Every read goes through SummaryDocument.objects.visible_to(user): a summary outside the user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.dashboard import dashboard_choice
from reports.models import RunStatus
from reports.summaries import request_summary, summary_filename, summary_get_for_user


@login_required
@require_POST
@transaction.non_atomic_requests  # the document must be committed before a worker looks for it
def summary_request(request):
    """The dashboard's "Báo cáo tóm tắt (PDF)" button, with the dashboard's own fields."""
    choice = dashboard_choice(request, request.POST)
    try:
        doc, message = request_summary(choice.parameters, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('statistics:dashboard')}?{choice.querystring}")
    messages.add_message(request, messages.ERROR if doc.status == RunStatus.FAILED else messages.INFO, message)
    return redirect("summaries:status", pk=doc.pk)


@login_required
def summary_status(request, pk: int):
    doc = summary_get_for_user(user=request.user, pk=pk)
    return render(request, "reports/summary_status.html", {"doc": doc, "refresh": not doc.is_finished})


@login_required
def summary_download(request, pk: int):
    doc = summary_get_for_user(user=request.user, pk=pk)
    if doc.status != RunStatus.DONE or not doc.file:
        raise Http404(_("Báo cáo tóm tắt này chưa dựng xong."))
    return FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=summary_filename(doc), content_type="application/pdf"
    )
