"""Transformations of functions built from the engine: derivatives as functions
(:mod:`.functional`), forward mode with dual numbers (:mod:`.forward`)."""
