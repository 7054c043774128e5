"""System check: openpyxl must parse through defusedxml, or an XLSX could carry an XML bomb."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def defusedxml_active(app_configs, **kwargs):
    import openpyxl.xml

    if openpyxl.xml.DEFUSEDXML:
        return []
    return [
        Error(
            "openpyxl is not using defusedxml, so spreadsheet imports would be open to XML entity attacks.",
            hint="Install defusedxml (requirements.txt) and do not set OPENPYXL_DEFUSEDXML=False.",
            id="imports.E001",
        )
    ]
