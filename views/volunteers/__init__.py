"""Volunteer service (志愿服务): one blueprint `volunteers`.

Staff manage teams, members and join requests, publish activities, sign people in and out
on a roster and approve or correct hours in bulk. Signed-in people see the teams and ask to
join, sign up for activities (seats and a waiting list, like events) and report hours for
approval. The kiosk's sign-in and sign-out screen is views/kiosk/volunteers.py.

teams        /volunteers/teams …, members, join requests
activities   /volunteers/ (the public list), activity pages, sign-up, staff pages, roster
hours        /volunteers/hours (staff approval in bulk), self-reported hours
"""

from flask import Blueprint

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")


from views.volunteers import activities, hours, teams  # noqa: E402, F401
