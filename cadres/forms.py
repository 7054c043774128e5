from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from cadres.services import CADRE_FIELDS
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Unit


class CadreForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Lý do, căn cứ (ghi vào nhật ký)"), required=False, max_length=500)

    class Meta:
        model = Cadre
        fields = CADRE_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "party_entry_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "unit": AutocompleteWidget("units:autocomplete", Unit),
            "birthplace_unit": AutocompleteWidget("units:autocomplete", Unit),
            "home_town_unit": AutocompleteWidget("units:autocomplete", Unit),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Who may see a cadre follows from the unit: a cadre without one would be lost to every office.
        self.fields["unit"].required = True
        self.fields["unit"].help_text = _("Đơn vị đang công tác; quyết định ai được xem hồ sơ này.")

    def validate_constraints(self):
        pass  # the service validates constraints and places each message on its field
