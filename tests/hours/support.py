"""One hall and fixed Beijing-time clocks shared by the bot.hours tests.

Dates are checked against chinese_calendar 1.11 (2026 arrangement): 10/1-10/7 国庆节 off,
10/10 (Sat) and 9/20 (Sun) are 调休 working days; 2027 is not published in that version.
"""
from __future__ import annotations

from datetime import datetime

from bot.hours import TZ, Hall

HOURS = {"weekday": ["09:00-12:00", "13:30-17:00"], "saturday": ["09:00-12:00"], "sunday": [], "holiday": []}
HALL = Hall("东湖区政务服务中心", HOURS, "东湖区")

WEDNESDAY = datetime(2026, 11, 4, 14, 5, tzinfo=TZ)  # a normal working day
LUNCH = datetime(2026, 11, 4, 12, 20, tzinfo=TZ)
SATURDAY = datetime(2026, 11, 7, 10, 0, tzinfo=TZ)
SUNDAY = datetime(2026, 11, 8, 10, 0, tzinfo=TZ)
NATIONAL_DAY = datetime(2026, 10, 2, 10, 0, tzinfo=TZ)  # Friday inside the 国庆节 holiday
MAKEUP_SATURDAY = datetime(2026, 10, 10, 14, 0, tzinfo=TZ)  # 调休: Saturday that works like a weekday
