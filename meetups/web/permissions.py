"""Guards for views that only some volunteers may use, shared by every blueprint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import gettext
from flask_login import current_user, login_required


def moderator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Moderators only: anonymous visitors are sent to sign in, volunteers get 403."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_moderator:
            abort(403, gettext("Only moderators can do this."))
        return view(*args, **kwargs)

    return login_required(guarded)
