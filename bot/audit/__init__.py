"""The audit log: who changed what, when, before → after; one change can be reverted."""
