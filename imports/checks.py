"""System check: the XML check of uploaded workbooks must refuse entity declarations, or an XLSX could carry
an XML bomb past it (imports/reading.py `check_xml_prolog`)."""

from __future__ import annotations

from django.core.checks import Error, register

_ENTITY_DECLARATION = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'


@register()
def defusedxml_active(app_configs, **kwargs):
    from defusedxml import DefusedXmlException

    from imports.reading import check_xml_prolog

    try:
        check_xml_prolog(_ENTITY_DECLARATION)
    except DefusedXmlException:
        return []
    return [
        Error(
            "The XML check of uploaded workbooks let an entity declaration through, so spreadsheet imports "
            "would be open to XML entity attacks.",
            hint="Install defusedxml (requirements.txt) and keep imports.reading.check_xml_prolog on it.",
            id="imports.E001",
        )
    ]
