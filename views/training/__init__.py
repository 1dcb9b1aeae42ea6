"""Training courses: the public list, applying, "My courses", and the staff side.

One blueprint, `bp`, split by audience:
public      /courses, /courses/<id>, /courses/<id>/apply, /certificates/<number>
mine        /my/courses…, /courses/sign-in, /certificates/<number>/print
manage      /manage/courses… (create, edit, sessions inline), /manage/applications (review)
attendance  /manage/courses/<id>/attendance (roll-call grid), session codes
completion  /manage/courses/<id>/completion, revocation, exports
home        menu entries, the public home section, the staff dashboard panel
commands    `flask training close-out` (pending and waiting applications on started courses)
"""

from flask import Blueprint

bp = Blueprint("training", __name__)

from views.training import (  # noqa: E402, F401
    attendance,
    commands,
    completion,
    home,
    manage,
    mine,
    public,
)
