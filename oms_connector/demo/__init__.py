"""``oms-connector demo``: the product end to end against a sandbox Jira, on one machine.

See :mod:`oms_connector.demo.runner` for what it does and
:mod:`oms_connector.demo.scenario` for the story it plays.
"""
