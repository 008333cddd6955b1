"""Optimisers: update parameters from their gradients.

Both follow the usual loop: ``zero_grad()``, compute a loss, ``backward()``,
``step()``.

>>> from autograd_scalar.engine import Value
>>> x = Value(3.0)
>>> opt = SGD([x], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     (x * x).backward()   # d(x²)/dx = 2x
...     opt.step()           # x ← x - 0.25 · 2x = x / 2
>>> x.data
0.375
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..core import Value, checks
from ..core.errors import DomainError, InvalidInputError, ShapeError

__all__ = ["SGD", "Adam", "Optimizer"]


def _check_rate(value: object, name: str, op: str, *, positive: bool) -> float:
    return (checks.positive if positive else checks.non_negative)(value, op, name)


class Optimizer:
    """Holds the parameters and the learning rate ``lr`` (which a schedule
    may change between steps; setting it checks it is positive)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ShapeError(name, 0, "expected at least one parameter, got none")
        for p in self.params:
            if type(p) is not Value:
                raise InvalidInputError(name, p, f"expected Value parameters, got {p!r}")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate, > 0."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_rate(value, "the learning rate lr", type(self).__name__, positive=True)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad``."""
        raise NotImplementedError  # pragma: no cover - every subclass defines it

    def _gradients(self) -> list[float]:
        grads = []
        for p in self.params:
            g = p.grad
            if type(g) is Value:  # after backward(create_graph=True)
                g = g.data
            grads.append(float(g))
        return grads


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay:

    ``g ← ∇θ + weight_decay·θ``, ``v ← momentum·v + g``, ``θ ← θ - lr·v``.

    With ``momentum=0`` this is plain ``θ ← θ - lr·g``. ``weight_decay`` is
    λ of an L2 penalty ``λ/2 · Σθ²`` folded into the gradient.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_rate(momentum, "momentum", "SGD", positive=False)
        self.weight_decay = _check_rate(weight_decay, "weight_decay", "SGD", positive=False)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        velocity = self._velocity
        for i, (p, g) in enumerate(zip(self.params, self._gradients())):
            if wd:
                g += wd * p.data
            if mu:
                g = velocity[i] = mu * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected moment estimates:

    ``m ← β₁m + (1-β₁)g``, ``v ← β₂v + (1-β₂)g²``,
    ``θ ← θ - lr · m̂ / (√v̂ + eps)`` with ``m̂ = m/(1-β₁ᵗ)``, ``v̂ = v/(1-β₂ᵗ)``.
    ``weight_decay`` adds ``weight_decay·θ`` to the gradient first.

    >>> x = Value(1.0)
    >>> opt = Adam([x], lr=0.1)
    >>> (x * x).backward(); opt.step()
    >>> round(x.data, 6)  # the first step moves by lr, whatever the gradient's size
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ShapeError("Adam", betas, f"betas must be a pair (β₁, β₂), got {betas!r}")
        for beta in betas:
            b = _check_rate(beta, "each of betas", "Adam", positive=False)
            if b >= 1.0:
                raise DomainError("Adam", beta, f"each of betas must be in [0, 1), got {beta!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _check_rate(eps, "eps", "Adam", positive=True)
        self.weight_decay = _check_rate(weight_decay, "weight_decay", "Adam", positive=False)
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        m, v = self._m, self._v
        for i, (p, g) in enumerate(zip(self.params, self._gradients())):
            if wd:
                g += wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
