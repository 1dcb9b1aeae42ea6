"""Volunteer service (志愿服务): one blueprint `volunteers`.

Staff manage teams, members and join requests, publish activities, sign people in and out
on a roster and approve or correct hours in bulk. Signed-in people see the teams and ask to
join, sign up for activities (seats and a waiting list, like events) and report hours for
approval. The kiosk's sign-in and sign-out screen is views/kiosk/volunteers.py.

teams        /volunteers/teams …, members, join requests
activities   /volunteers/ (the public list), activity pages, sign-up, staff pages, roster
hours        /volunteers/hours (staff approval in bulk), self-reported hours, the points rate
records      /volunteers/me, a volunteer's record, hour certificates and their check page
reports      team reports by month and year, the honour board
common       refusal messages, labels, the staff sub-navigation, looking records up
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from views import navigation

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")

navigation.add("volunteers.index", _l("Volunteering"), roles=("guest", "entrepreneur"))
navigation.add("volunteers.manage", _l("Volunteers"), roles=("staff", "admin"))


from views.volunteers import activities, common, hours, records, reports, teams  # noqa: E402, F401
