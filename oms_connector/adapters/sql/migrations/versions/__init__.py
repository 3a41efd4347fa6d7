"""Migration scripts, applied in order by ``oms-connector db upgrade``."""
