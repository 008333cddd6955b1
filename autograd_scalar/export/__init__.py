"""Bridges to other frameworks.

* :mod:`.torch`: an :class:`~autograd_scalar.nn.layers.MLP` as a PyTorch
  ``nn.Sequential`` and back (the ``torch`` extra).

Importing this package imports no framework: each bridge imports its own.
"""
