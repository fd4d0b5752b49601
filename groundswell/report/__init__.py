"""Outputs: terminal tables (``console``) and the HTML page (``html``)."""
