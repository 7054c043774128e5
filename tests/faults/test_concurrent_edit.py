"""Two users save the same cadre: the second gets the conflict message and the first's change stays.

Both open the edit form (each form carries the version of the row it was drawn from,
rotation_registry/common/concurrency.py); the first saves; the second's save is refused in Vietnamese
instead of silently overwriting; once the second reloads the form, both changes are kept.
"""

from __future__ import annotations

from rotation_registry.common.concurrency import STALE_MESSAGE


def test_the_second_save_of_the_same_cadre_gets_the_conflict_message_and_nothing_is_lost(faults):
    stack = faults.stack
    first, second = faults.browser("demo_board"), faults.browser("demo_admin", client_ip="198.51.100.12")
    cadre = stack.scalar("SELECT id FROM cadres_cadre WHERE full_name = 'Lý Hoàng Long'")
    before = stack.query("SELECT other_names, professional_field FROM cadres_cadre WHERE id = %s", [cadre])[0]
    path = f"/cadres/{cadre}/edit/"
    first_page, second_page = first.get(path), second.get(path)
    first_form, second_form = first_page.form("full_name"), second_page.form("full_name")
    assert first_form.fields["version"] == second_form.fields["version"] != ""

    saved = first.submit(first_page, first_form, {"other_names": "Long Hoàng", "reason": "Bổ sung tên gọi khác"})
    assert saved.status == 302, saved.messages()

    refused = second.submit(second_page, second_form, {"professional_field": "Quản lý giáo dục"})
    assert refused.status == 200
    assert STALE_MESSAGE in refused.messages(), refused.messages()
    row = stack.query("SELECT other_names, professional_field FROM cadres_cadre WHERE id = %s", [cadre])[0]
    assert row == ("Long Hoàng", before[1]), row

    # The second user reloads the form (it now shows the first's change) and saves again: both changes kept.
    reloaded = second.get(path)
    form = reloaded.form("full_name")
    assert form.fields["other_names"] == "Long Hoàng"
    again = second.submit(reloaded, form, {"professional_field": "Quản lý giáo dục"})
    assert again.status == 302, again.messages()
    row = stack.query("SELECT other_names, professional_field FROM cadres_cadre WHERE id = %s", [cadre])[0]
    assert row == ("Long Hoàng", "Quản lý giáo dục"), row
    events = stack.scalar("SELECT count(*) FROM cadres_cadreevent WHERE pgh_obj_id = %s", [cadre])
    assert events == 3  # created by the demo, then one event per accepted save
