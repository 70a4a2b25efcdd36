"""Outputs: what planners and briefs receive.

Print maps (:mod:`~amurlink.outputs.maps`), QGIS styles and projects
(:mod:`~amurlink.outputs.styles`, :mod:`~amurlink.outputs.qgis_project`), the brief
(:mod:`~amurlink.outputs.brief`), and what public products may carry: the
generalisation of sensitive locations (:mod:`~amurlink.outputs.public`).  Nothing
here reads or writes a file; :mod:`amurlink.core.io` does.
"""
