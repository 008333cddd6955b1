"""Checking derivatives: gradient checks against finite differences
(:mod:`.gradcheck`) and hypothesis strategies for property tests (:mod:`.strategies`)."""
