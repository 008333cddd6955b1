"""Bridges to other frameworks.

* :mod:`.torch`: an :class:`~autograd_scalar.nn.layers.MLP` as a PyTorch
  ``nn.Sequential`` and back (the ``torch`` extra);
* :mod:`.recording`: any recorded function
  (:func:`~autograd_scalar.vectorize.record`) as a ``torch.nn.Module`` with
  generated, readable ``forward`` code
  (:meth:`Recording.to_torch <autograd_scalar.vectorize.program.Recording.to_torch>`).

Importing this package imports no framework: each bridge imports its own.
"""
