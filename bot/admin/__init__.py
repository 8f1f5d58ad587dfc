"""The administrator console (``/admin/``): account management for the service desk."""
from bot.admin.users import setup_admin

__all__ = ["setup_admin"]
