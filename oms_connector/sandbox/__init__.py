"""A sandbox Jira Cloud: a small stateful server for everything the connector uses.

It serves the REST v3 endpoints the connector calls (fields, projects, ``search/jql``,
bulk fetch, issues, worklogs with the incremental ``updated``/``deleted``/``list``
endpoints and their one-minute lag, issue properties, labels, comments) and posts
signed webhooks the way Jira Cloud does, so the product runs end to end without a
Jira site. It is a test double: its tests validate every request and response
against Atlassian's OpenAPI description so that it cannot drift from the real API.

Pieces: :mod:`.state` (data and changes, one lock, injectable clock), :mod:`.jql`
(the supported JQL subset), :mod:`.representation` (Jira's JSON, v3 and v2),
:mod:`.webhooks` (deliveries, signatures, retries, drills), :mod:`.seed` (the seed
file, documented in ``SEED.md``) and :mod:`.app` (the Flask app).
"""
