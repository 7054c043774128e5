"""The statistics dashboard: it only reads stored runs (reports.runs computes them on Celery).

A page costs at most six queries (session, user, scope, the chosen unit, the terms of the period
picker, the latest run with the current data version), whatever the figures hold; nothing here
touches Redis except the "recompute" button, which answers within seconds when Redis is down.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import scope_paths
from reports.charts import dashboard_charts
from reports.form11_layout import layout
from reports.form11_workbook import form11_csv, form11_workbook
from reports.runs import request_recompute
from reports.selectors import latest_run, runs_for
from reports.statistics.engine import normalise_parameters
from rotation_registry.common.formatting import format_date
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Term, TermKind, Unit, UnitKind

PERIOD, CURRENT = "period", "current"


class DashboardForm(forms.Form):
    """What the figures cover. A term, or a date range; the unit and everything under it."""

    unit = forms.IntegerField(
        label=gettext_lazy("Đơn vị (gồm đơn vị trực thuộc)"),
        required=False,
        widget=AutocompleteWidget("units:autocomplete", Unit),
    )
    term = forms.TypedChoiceField(label=gettext_lazy("Nhiệm kỳ, giai đoạn"), required=False, coerce=int)
    start = forms.DateField(
        label=gettext_lazy("Hoặc từ ngày"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )
    end = forms.DateField(
        label=gettext_lazy("đến ngày"), required=False, widget=forms.DateInput({"type": "date"}, "%Y-%m-%d")
    )
    structure = forms.ChoiceField(
        label=gettext_lazy("Nhóm theo đơn vị"),
        choices=[
            (PERIOD, gettext_lazy("như trong kỳ báo cáo")),
            (CURRENT, gettext_lazy("theo cơ cấu hiện nay")),
        ],
        required=False,
    )

    def __init__(self, *args, terms: list[Term], **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = {term.pk: term for term in terms}
        kinds = dict(TermKind.choices)
        grouped = [
            (kinds[kind], [(t.pk, t.name) for t in terms if t.kind == kind])
            for kind in (TermKind.PLAN, TermKind.CONGRESS)
        ]
        self.fields["term"].choices = [("", _("— Chọn —")), *grouped]

    def clean(self):
        cleaned = super().clean()
        term = self.terms.get(cleaned.get("term"))
        if term is not None:
            cleaned["start"], cleaned["end"] = term.start, term.end
        elif bool(cleaned.get("start")) != bool(cleaned.get("end")):
            raise ValidationError(_("Chọn một nhiệm kỳ, giai đoạn, hoặc ghi đủ cả từ ngày và đến ngày."))
        return cleaned


@dataclass
class Choice:
    """The dashboard's parameters, canonical, with the unit read once (in scope, or 404)."""

    parameters: dict
    unit: Unit | None
    term: Term | None
    form: DashboardForm

    @property
    def label(self) -> str:
        """ "Huyện Bình Gia — từ ngày 1/1/2016 đến ngày 31/12/2020": what the page's figures cover."""
        day = datetime.date.fromisoformat
        scope = self.unit.qualified_name() if self.unit else _("Toàn bộ")
        return _("%(scope)s — từ ngày %(start)s đến ngày %(end)s") % {
            "scope": scope,
            "start": format_date(day(self.parameters["start"])),
            "end": format_date(day(self.parameters["end"])),
        }

    @property
    def querystring(self) -> str:
        values = {"unit": self.unit.pk if self.unit else "", "structure": self.parameters["structure"]}
        if self.term is not None:
            values["term"] = self.term.pk
        else:
            values.update(start=self.parameters["start"], end=self.parameters["end"])
        return urlencode(values)


def _default_term(terms: list[Term], today: datetime.date) -> Term | None:
    """The plan period running today, else the latest congress term that has begun."""
    for kind in (TermKind.PLAN, TermKind.CONGRESS):
        running = [t for t in terms if t.kind == kind and t.start <= today <= t.end]
        if running:
            return running[0]
    started = [t for t in terms if t.start <= today]
    return max(started, key=lambda t: t.start, default=None)


def _unit_for(user, unit_id: int | None) -> Unit | None:
    """The chosen unit if the user may see it (else 404), or where the user's view starts."""
    if unit_id is not None:
        unit = Unit.objects.visible_to(user).select_related("parent").filter(pk=unit_id).first()
        if unit is None:
            raise Http404(_("Không có đơn vị này trong phạm vi của anh/chị."))
        return unit
    paths = scope_paths(user)
    if paths is None:  # sees everything: the province (a one-province installation), else everything
        provinces = Unit.objects.filter(parent__isnull=True, kind=UnitKind.PROVINCE).order_by("sort_key")[:2]
        provinces = list(provinces)
        return provinces[0] if len(provinces) == 1 else None
    if not paths:
        raise Http404(_("Anh/chị chưa được giao phạm vi đơn vị nào."))
    # A path ends with the unit's own id: the widest scope unit, without reading it twice.
    widest = min(paths, key=lambda path: (path.count("/"), path))
    return Unit.objects.select_related("parent").get(pk=int(widest.strip("/").split("/")[-1]))


def dashboard_choice(request, data) -> Choice:
    """Read and check the dashboard's parameters; wrong ones fall back to defaults with a notice."""
    terms = list(Term.objects.order_by("kind", "start"))
    fields = {name: value for name, value in data.items() if name in DashboardForm.base_fields}
    form = DashboardForm(fields or None, terms=terms)
    cleaned: dict = {}
    if form.is_bound and form.is_valid():
        cleaned = form.cleaned_data
    elif form.is_bound:
        wrong = "; ".join(
            f"{form.fields[name].label if name in form.fields else ''} {', '.join(errors)}".strip()
            for name, errors in form.errors.items()
        )
        messages.warning(request, _("Đã bỏ qua lựa chọn không hợp lệ: %(errors)s") % {"errors": wrong})
    unit = _unit_for(request.user, cleaned.get("unit"))
    term = form.terms.get(cleaned.get("term")) if cleaned.get("term") else None
    start, end = cleaned.get("start"), cleaned.get("end")
    if not (start and end):
        term = _default_term(terms, timezone.localdate())
        if term is None:
            today = timezone.localdate()
            start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
        else:
            start, end = term.start, term.end
    raw = {"unit": unit, "start": start, "end": end, "structure": cleaned.get("structure") or PERIOD}
    try:
        parameters = normalise_parameters(raw)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        raw.update(start=datetime.date(start.year, 1, 1), end=datetime.date(start.year, 12, 31))
        parameters = normalise_parameters(raw)
    if not form.is_bound or not form.is_valid():  # show what the figures are for: the defaults applied
        initial = {"unit": unit.pk if unit else None, "structure": parameters["structure"]}
        initial |= {"term": term.pk} if term else {"start": parameters["start"], "end": parameters["end"]}
        form = DashboardForm(initial=initial, terms=terms)
    form.fields["unit"].widget.chosen = unit
    return Choice(parameters=parameters, unit=unit, term=term, form=form)


@login_required
def dashboard(request):
    choice = dashboard_choice(request, request.GET)
    run, changed_since = latest_run(user=request.user, parameters=choice.parameters)
    export = request.GET.get("export")
    if export in ("xlsx", "csv", "pdf"):
        if run is None:
            messages.warning(request, _("Chưa có số liệu đã tính cho lựa chọn này nên chưa tải được biểu."))
            return redirect(f"{request.path}?{choice.querystring}")
        return _form11_download(run, export)
    context = {
        "choice": choice,
        "form": choice.form,
        "run": run,
        "changed_since": changed_since,
        "results": run.results if run else None,
        "charts": dashboard_charts(run.results) if run else {},
        "form11": layout(run.results) if run else None,
    }
    return render(request, "reports/dashboard.html", context)


def _form11_download(run, file_format: str) -> HttpResponse:
    # The form goes to the Central Organisation Board: always in Vietnamese, whatever the page's language.
    with translation.override(settings.LANGUAGE_CODE):
        return _form11_file(run, file_format)


def _form11_file(run, file_format: str) -> HttpResponse:
    grid = layout(run.results)
    parameters = run.results["parameters"]
    filename = f"bieu-11-btctw-{parameters['start']}-{parameters['end']}"
    if file_format == "pdf":  # Biểu 11 as PDF in the paper form's layout (reports.summaries, docs/documents.md)
        from reports.summaries import form11_pdf

        response = HttpResponse(form11_pdf(run.results), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    if file_format == "csv":
        response = HttpResponse(form11_csv(grid), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    response = HttpResponse(
        form11_workbook(grid), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
@require_POST
@transaction.non_atomic_requests  # the run must be committed before a worker looks for it
def recompute(request):
    """The "recompute" button: queue a run (or say why not) and go back to the same figures."""
    choice = dashboard_choice(request, request.POST)  # the same fields as the page's GET form
    run, message = request_recompute(choice.parameters, request.user)
    level = messages.ERROR if run.status == "failed" else messages.INFO
    messages.add_message(request, level, message)
    return redirect(f"{reverse('statistics:dashboard')}?{choice.querystring}")


@login_required
def run_history(request):
    """The runs for the chosen figures: when, why, how long, and whether they failed."""
    choice = dashboard_choice(request, request.GET)
    runs = runs_for(user=request.user, parameters=choice.parameters)
    return render(request, "reports/run_history.html", {"choice": choice, "runs": runs})
