"""The OMS billing rules: pure values and functions, standard library only."""
