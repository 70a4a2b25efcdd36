"""Habitat: from sightings to suitability.

Sightings validated and cleaned with an audit trail (``sightings``; the files are read by
:mod:`amurlink.core.io.occurrences`), target-group background (``background``), models
(MaxEnt, GLM, random forest, boosted trees and their ensemble; ``models``), tuning on
spatial-block CV (``tuning``), evaluation (``evaluate``), the one fit-or-tune step
(``fitting``), interpretation (response curves, importance; ``interpret``), MESS
(``extrapolation``) and windowed prediction (``predict``).
"""
