"""Flask extensions, created once and bound to the app in `create_app`."""

from flask_babel import Babel, lazy_gettext
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
compress = Compress()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"
login_manager.login_message = lazy_gettext("Please sign in to open this page.")
login_manager.login_message_category = "info"
