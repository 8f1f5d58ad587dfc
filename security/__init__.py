"""Dependency audit (make audit): security/audit.py, the accepted findings in security/accepted.yml."""
