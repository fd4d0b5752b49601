"""What metrics run over: the canonical tables on any engine (:mod:`~.tables`), the posts a
report is about (:mod:`~.matching`, the campaign's matching rule), that rule computed once per
run with what every metric shares (:mod:`~.context`), reply trees (:mod:`~.forest`) and
results as JSON-ready values (:mod:`~.values`). Metrics, trends and the outputs build on it."""

from groundswell.scope.context import Context
from groundswell.scope.matching import Scope, phrase_pattern
from groundswell.scope.tables import KEY, Tables
from groundswell.scope.values import hours_between, iso, rows, scalar

__all__ = ["KEY", "Context", "Scope", "Tables", "hours_between", "iso", "phrase_pattern",
           "rows", "scalar"]
