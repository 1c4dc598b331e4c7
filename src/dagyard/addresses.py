"""E-mail addresses, as owners and team members write them."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})$")
