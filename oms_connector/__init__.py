"""Jira connector for the OMS monthly support plan."""

__version__ = "0.1.0"
