"""Render the học bạ (Jinja → WeasyPrint, PDF/A-3b) and its embedded data from one record object."""
