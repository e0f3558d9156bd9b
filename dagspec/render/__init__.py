"""Renderers: checked specs, plans and posteriors → text a person or a machine reads (reports, DOT, formats)."""
