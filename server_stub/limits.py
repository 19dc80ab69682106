"""How long a typed field may be, in characters: the console's forms say it (`maxlength`)
and the server refuses more, whichever way the text comes (a console form, a CSV import,
the admin library and its CLI). One table, so that the form and the check cannot part.
"""

from __future__ import annotations

# A shopper.
SHOPPER_NAME = 200
SHOPPER_CITY = 100

# A dealership, by its column (the code's own rule is `dealers_csv.CODE`: at most 64).
DEALER_CODE = 64
DEALER = {
    "code": DEALER_CODE,
    "name": 200,
    "brand": 100,
    "city": 100,
    "address": 300,
    "phone": 50,
    "lat": 32,
    "lon": 32,
    "timezone": 64,
}

# How far a dealership may be said to reach for its visits' flags, in metres (issue 17):
# less than a showroom's own car park, or more than a district, is a typing mistake.
RADIUS_M = (50, 5000)

# What a coordinator types to search a list.
SEARCH = 100


def too_long(text: str, limit: int) -> bool:
    """Whether `text`, as stored (stripped), is longer than `limit` characters."""
    return len(text.strip()) > limit
