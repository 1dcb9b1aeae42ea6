"""Administration: accounts (create, deactivate) and the audit log."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from db import accounts
from db import audit as audit_log
from db.accounts import (
    MAX_NAME_LENGTH,
    MAX_USERNAME_LENGTH,
    ROLE_NAMES,
    ROLES,
    USERNAME_PATTERN,
    AccountError,
    User,
)
from db.pagination import paginate
from views.access import admin_required
from views.auth import ACCOUNT_MESSAGES, MobileField, mobile_number
from views.forms import refused
from views.pages import render_page
from views.params import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


class NewAccountForm(FlaskForm):
    username = StringField(
        _l("Username"),
        [
            DataRequired(),
            Length(max=MAX_USERNAME_LENGTH),
            Regexp(USERNAME_PATTERN, message=_l("Use letters, digits, dot, dash or underscore.")),
        ],
    )
    name = StringField(_l("Name"), [DataRequired(), Length(max=MAX_NAME_LENGTH)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])
    mobile = MobileField(_l("Mobile number (optional)"), [Optional(), mobile_number])
    password = PasswordField(
        _l("Initial password"),
        [DataRequired(), Length(min=8, max=200, message=_l("Use at least 8 characters."))],
    )

    def validate_username(self, field):
        if User.select().where(User.username == field.data.strip()).exists():
            raise ValidationError(_("This username is already in use."))

    def validate_mobile(self, field):
        if field.data and User.select().where(User.mobile == field.data).exists():
            raise ValidationError(_("An account with this mobile number already exists."))


@bp.route("/users")
@admin_required
def users():
    """Accounts, searchable by name, username or mobile, filterable by role."""
    q = request.args.get("q", "").strip()[:50]
    role = request.args.get("role", "")
    page = paginate(accounts.find_accounts(q, role), page_number(request.args), PAGE_SIZE)
    return render_page(
        "admin/users.html", block="rows", page=page, q=q, role=role, role_names=ROLE_NAMES
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    """Create a staff, kiosk, admin or entrepreneur account."""
    form = NewAccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(
                username=form.username.data,
                name=form.name.data,
                role=form.role.data,
                password=form.password.data,
                mobile=form.mobile.data or None,
                actor=current_user,
            )
        except AccountError as exc:
            ACCOUNT_MESSAGES.add(form, exc)
        else:
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    if form.is_submitted():
        return refused("admin/user_new.html", form=form, role_names=ROLE_NAMES)
    return render_page("admin/user_new.html", form=form, role_names=ROLE_NAMES)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id):
    """Deactivate or reactivate an account."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(user, active, actor=current_user)
    except AccountError as exc:
        flash(ACCOUNT_MESSAGES.text(exc), "error")
    else:
        message = (
            _("Account %(username)s reactivated.")
            if active
            else _("Account %(username)s deactivated; it can no longer log in.")
        )
        flash(message % {"username": user.username}, "success")
    return redirect(url_for("admin.users"))


@bp.route("/audit")
@admin_required
def audit():
    """The audit log, newest first, filtered by action, object type, account and text."""
    filters = {
        "action": request.args.get("action", "").strip()[:64],
        "object_type": request.args.get("object_type", "").strip()[:40],
        "actor": request.args.get("actor", "").strip()[:64],
        "q": request.args.get("q", "").strip()[:100],
    }
    page = paginate(audit_log.entries(**filters), page_number(request.args), PAGE_SIZE)
    return render_page(
        "admin/audit.html",
        block="rows",
        page=page,
        filters=filters,
        actions=audit_log.actions(),
    )
