from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres import selectors, services
from cadres.forms import CadreForm
from cadres.models import Cadre
from rotation_registry.common.concurrency import row_version
from rotation_registry.common.export import Column
from rotation_registry.common.formatting import format_date
from rotation_registry.common.forms import add_service_errors
from rotation_registry.common.page_cache import cached_page
from rotation_registry.common.vietnamese import search_key
from rotation_registry.common.views import history_page, list_page

EXPORT_COLUMNS = [
    Column(gettext_lazy("Họ và tên"), lambda c: c.full_name),
    Column(gettext_lazy("Ngày sinh"), lambda c: c.date_of_birth),
    Column(gettext_lazy("Giới tính"), lambda c: c.get_sex_display()),
    Column(gettext_lazy("Dân tộc"), lambda c: c.ethnicity),
    Column(gettext_lazy("Tôn giáo"), lambda c: c.religion),
    Column(gettext_lazy("Trình độ chuyên môn"), lambda c: c.get_professional_level_display()),
    Column(gettext_lazy("Lý luận chính trị"), lambda c: c.get_political_theory_display()),
    Column(gettext_lazy("Diện quản lý"), lambda c: c.get_management_category_display()),
    Column(gettext_lazy("Đơn vị công tác"), lambda c: c.unit.name if c.unit else ""),
    Column(gettext_lazy("Mã cán bộ"), lambda c: c.personal_id),
]


def require_editor(user) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được sửa sổ luân chuyển."))


@login_required
@cached_page
def cadre_list(request):
    return list_page(
        request,
        selector=selectors.cadre_list,
        columns=EXPORT_COLUMNS,
        filename="can-bo",
        template="cadres/cadre_list.html",
    )


AUTOCOMPLETE_LIMIT = 15


@login_required
def cadre_autocomplete(request):
    """Matches for a cadre search box (same protocol as units:autocomplete): visible cadres, accents optional."""
    field = request.GET.get("field", "cadre")
    key = search_key(request.GET.get(f"{field}__search", ""))
    choices = []
    if len(key) >= 2:
        cadres = (
            Cadre.objects.visible_to(request.user)
            .filter(search_key__contains=key)
            .select_related("unit")
            .order_by("sort_key", "date_of_birth")[:AUTOCOMPLETE_LIMIT]
        )
        for cadre in cadres:
            label = _("%(name)s (sinh %(born)s)") % {"name": cadre.full_name, "born": format_date(cadre.date_of_birth)}
            if cadre.unit is not None:
                label += f" — {cadre.unit.name}"
            choices.append({"pk": cadre.pk, "label": label})
    return render(request, "includes/autocomplete_choices.html", {"choices": choices})


@login_required
@cached_page
def cadre_detail(request, pk: int):
    cadre = selectors.cadre_get_for_user(user=request.user, pk=pk)
    context = {
        "cadre": cadre,
        "timeline": selectors.cadre_timeline(user=request.user, cadre=cadre),
        "planning": selectors.cadre_planning(cadre=cadre),
        "evaluations": selectors.cadre_evaluations(cadre=cadre),
    }
    return render(request, "cadres/cadre_detail.html", context)


@login_required
def cadre_history(request, pk: int):
    return history_page(request, selectors.cadre_get_for_user(user=request.user, pk=pk))


@login_required
def cadre_create(request):
    require_editor(request.user)
    form = CadreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.cadre_create(
                actor=request.user, data=form.cleaned_data, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm cán bộ %(name)s.") % {"name": cadre.full_name})
            return redirect(cadre)
    return render(request, "cadres/cadre_form.html", {"form": form, "title": _("Thêm cán bộ")})


@login_required
def cadre_edit(request, pk: int):
    require_editor(request.user)
    cadre = selectors.cadre_get_for_user(user=request.user, pk=pk)
    form = CadreForm(request.POST or None, instance=cadre, initial={"version": row_version(cadre)})
    if request.method == "POST" and form.is_valid():
        try:
            cadre = services.cadre_update(
                actor=request.user,
                cadre=cadre,
                version=form.cleaned_data["version"],
                data=form.cleaned_data,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi của cán bộ %(name)s.") % {"name": cadre.full_name})
            return redirect(cadre)
    return render(
        request,
        "cadres/cadre_form.html",
        {"form": form, "title": _("Sửa: %(name)s") % {"name": cadre.full_name}, "cadre": cadre},
    )
