"""Collection for the whole suite: the tests, the package's doctests, the notebooks.

The two PyTorch bridges import torch at their top, as they must. Without the
``torch`` extra (the README's test command installs none) their doctests are
left out, as tests/export skips its own tests.
"""

from importlib.util import find_spec

#: The modules whose doctests need PyTorch.
TORCH_MODULES = ["autograd_scalar/export/recording.py", "autograd_scalar/export/torch.py"]

collect_ignore = [] if find_spec("torch") else TORCH_MODULES
