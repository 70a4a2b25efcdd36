"""Outputs: what planners and briefs receive.

Print maps, QGIS styles and projects, the brief, and the generalisation of sensitive
locations for public products.
"""
