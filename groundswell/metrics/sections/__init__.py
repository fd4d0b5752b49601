"""The HTML page's sections of the built-in metrics, one module per metric (its charts, its
tables, the prose around them); each metric's ``METRIC.sections`` names them."""
