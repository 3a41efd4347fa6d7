"""Flask app receiving Jira webhooks and serving statement pages."""
