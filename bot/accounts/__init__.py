"""Staff and admin accounts of the service-desk console: users, passwords, login sessions.

:mod:`bot.accounts.service` is the interface (plain dataclasses in and out); the HTTP side
(cookie, CSRF, role checks) is :mod:`bot.web.auth`; ``python -m bot users`` is :mod:`.cli`.
"""
