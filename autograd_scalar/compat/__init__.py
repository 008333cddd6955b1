"""Other libraries' interfaces on this library's engine.

* :mod:`.micrograd`: micrograd's ``engine.Value`` and ``nn`` (``Neuron``,
  ``Layer``, ``MLP``), so micrograd's lectures run with one import changed.
"""
