from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from rotation_registry.common.vietnamese import search_key
from units import selectors
from units.models import Position, Unit


@login_required
def unit_autocomplete(request):
    field = request.GET.get("field", "unit")
    text = request.GET.get(f"{field}__search", "")
    units = selectors.unit_search(user=request.user, text=text) if len(text.strip()) >= 2 else []
    choices = [{"pk": unit.pk, "label": selectors.unit_label(unit)} for unit in units]
    return render(request, "includes/autocomplete_choices.html", {"choices": choices})


@login_required
def position_autocomplete(request):
    """Matches for a position search box: every word (accents optional) in the title or the unit's name.

    Only positions at units the user may see; current units first, then by level and name.
    """
    field = request.GET.get("field", "position")
    words = search_key(request.GET.get(f"{field}__search", "")).split()
    choices = []
    if len("".join(words)) >= 2:
        positions = Position.objects.filter(unit__in=Unit.objects.visible_to(request.user)).select_related(
            "title", "unit__parent"
        )
        for word in words[:6]:
            positions = positions.filter(Q(title__name_key__contains=word) | Q(unit__name_key__contains=word))
        positions = positions.order_by(
            F("unit__valid_to").desc(nulls_first=True), "unit__level", "unit__sort_key", "-title__rank"
        )[: selectors.AUTOCOMPLETE_LIMIT]
        choices = [{"pk": p.pk, "label": f"{p.title.name} — {selectors.unit_label(p.unit)}"} for p in positions]
    return render(request, "includes/autocomplete_choices.html", {"choices": choices})


def _day(request) -> datetime.date:
    """The date in ?on=YYYY-MM-DD, or today; a malformed date falls back to today with a notice."""
    text = request.GET.get("on", "")
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        notice = _("Ngày “%(text)s” không hợp lệ (cần dạng năm-tháng-ngày); đang hiển thị ngày hôm nay.")
        messages.warning(request, notice % {"text": text})
        return timezone.localdate()


@login_required
def unit_tree(request):
    on = _day(request)
    roots = selectors.tree_roots_for(request.user)
    chosen = request.GET.get("root")
    root = next((r for r in roots if str(r.pk) == chosen), roots[0] if roots else None)
    if chosen and root is not None and str(root.pk) != chosen:
        root = selectors.unit_get_for_user(user=request.user, pk=int(chosen)) if chosen.isdigit() else root
    tree = selectors.unit_tree(user=request.user, root=root, on=on) if root else None
    return render(request, "units/unit_tree.html", {"tree": tree, "on": on, "roots": roots, "root": root})


@login_required
def unit_detail(request, pk: int):
    unit = selectors.unit_get_for_user(user=request.user, pk=pk)
    on = _day(request)
    context = {
        "unit": unit,
        "on": on,
        "holders": selectors.holders_on(user=request.user, unit=unit, on=on),
        "incoming": selectors.moves_of(user=request.user, unit=unit, incoming=True),
        "outgoing": selectors.moves_of(user=request.user, unit=unit, incoming=False),
        "successors": unit.successor_links.select_related("successor"),
        "predecessors": unit.predecessor_links.select_related("predecessor"),
    }
    return render(request, "units/unit_detail.html", context)
