"""Apps: the commands (the demo generator, species-with-data tables, Circuitscape ``.ini`` jobs)."""
