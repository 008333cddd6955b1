"""The command line, ``autograd-scalar`` / ``python -m autograd_scalar``: :mod:`.main`
dispatches to :mod:`.demo` and :mod:`.graph`."""
