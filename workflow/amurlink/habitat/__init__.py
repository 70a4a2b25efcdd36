"""Habitat: from sightings to suitability.

Sightings cleaned with an audit trail, target-group background, features and models
(MaxEnt, GLM, random forest, boosted trees and their ensemble), tuning on spatial-block CV,
evaluation, interpretation (response curves, importance, MESS) and windowed prediction.
"""
