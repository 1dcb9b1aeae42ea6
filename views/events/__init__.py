"""Forums and events: the public list, registration, the private link, and the staff side.

One blueprint, `bp`, split by audience:
public   /events, /events/archive, /events/<id>, its seats, /events/<id>/register
private  /r/<token> (status, correct, cancel, .ics), /my/registrations
manage   /manage/events… (create, edit, publish, cancel; registrations and decisions, walk-ins)
door     /manage/events/<id>/door (check-in at the door)
reports  exports (CSV, XLSX), the sign-in sheet, attendance figures
home     the home page section, the dashboard panel, the menu entries
"""

from flask import Blueprint

bp = Blueprint("events", __name__)

from views.events import door, home, manage, private, public, reports  # noqa: E402, F401
