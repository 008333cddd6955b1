"""A functional API for derivatives of plain Python functions of scalars.

Shaped like HIPS autograd and JAX: :func:`grad` turns ``f`` into the function
that returns its derivative, so derivatives compose to any order.

>>> from autograd_scalar.functions import sin
>>> df = grad(sin)
>>> d2f = grad(df)
>>> d3f = grad(d2f)
>>> [round(d(1.0), 6) for d in (df, d2f, d3f)]   # cos 1, -sin 1, -cos 1
[0.540302, -0.841471, -0.540302]

The returned functions accept floats (and then return floats) or
:class:`~autograd_scalar.Value` nodes (and then return Values recorded in the
graph, which is what lets ``grad(grad(f))`` work). Derivatives are computed
without touching any node's ``.grad``, so they can be taken in the middle of
another computation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.backward import gradients as gradient_pass
from ..core.errors import InvalidInputError
from ..core.modes import enable_grad
from ..core.value import Number, Value, constant
from .forward import Dual

__all__ = ["gradients", "grad", "hessian", "hvp", "value_and_grad"]

Argnums = int | Sequence[int]


def gradients(
    output: Value | Number, inputs: Sequence[Value], *, create_graph: bool = False
) -> list[Any]:
    """∂output/∂input for each of ``inputs``, leaving every ``.grad`` alone.

    Like ``torch.autograd.grad``: one backward pass from ``output``, and each
    input's total derivative, also through the other inputs when one depends
    on another (``gradients(b, [a, b])`` with ``b = a * a`` gives ``[2a, 1]``).
    With ``create_graph=True`` the results are Values recorded in the graph;
    otherwise floats. An input ``output`` does not depend on gets 0.

    >>> x, y = Value(2.0), Value(5.0)
    >>> gradients(x * x * y, [x, y])
    [20.0, 4.0]
    >>> x.grad   # untouched
    0.0
    """
    if not isinstance(output, Value):
        return [_zero(create_graph) for _ in inputs]
    grads = gradient_pass(output, create_graph=create_graph)
    return [grads.get(v, _zero(create_graph)) if isinstance(v, Value) else _bad(v) for v in inputs]


def _bad(v: object) -> Any:
    raise InvalidInputError("gradients", v, f"inputs must be Values, got {v!r}")


def _zero(create_graph: bool) -> Any:
    return constant(0.0, "grad") if create_graph else 0.0


def _check_argnums(argnums: Argnums, n_args: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if isinstance(i, bool) or not isinstance(i, int) or not -n_args <= i < n_args:
            raise InvalidInputError(
                name, i, f"argnums {argnums!r} does not fit a call with {n_args} arguments"
            )
    return tuple(i % n_args for i in nums)


def _inputs(args: Sequence[Any], nums: tuple[int, ...], name: str) -> tuple[list[Any], bool]:
    """The arguments with each differentiated one replaced by a fresh node,
    and whether any argument is a Value (then results must be Values too).

    A Value argument becomes ``arg + (-0.0)`` (equal to ``arg``, signed zeros
    included), a new node whose gradient flows back
    into ``arg``: the derivative stays differentiable with respect to it, and
    two arguments that are the same node, or depend on each other, are still
    separate variables for ``f``, as its signature says."""
    nested = any(isinstance(a, Value) for a in args)
    call = list(args)
    for i in nums:
        a = args[i]
        if isinstance(a, Value):
            call[i] = a + -0.0  # x + (-0.0) is x for every float, -0.0 included
        elif isinstance(a, bool) or not isinstance(a, (int, float)):
            raise InvalidInputError(
                name, a, f"argument {i} must be a real number, a Value or a Dual, got {a!r}"
            )
        else:
            call[i] = Value(a, label=f"arg{i}")
    return call, nested


def _scalar(out: object, f: Callable[..., Any], name: str) -> Value | float:
    if isinstance(out, Value):
        return out
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        fname = getattr(f, "__name__", "f")
        raise InvalidInputError(
            name, out, f"{fname} must return a scalar (a Value or a number), got {out!r}"
        )
    return float(out)


def _value_and_grads(
    f: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...], name: str
) -> tuple[Any, list[Any], bool]:
    with enable_grad():  # also inside no_grad (jvp runs f under it): we need the graph
        if any(type(a) is Dual for a in args):
            return _along_tangents(f, args, nums, name)
        call, nested = _inputs(args, nums, name)
        out = _scalar(f(*call), f, name)
        grads = gradients(out, [call[i] for i in nums], create_graph=nested)
    if not nested:
        value: Any = out.data if isinstance(out, Value) else out
    else:
        value = out if isinstance(out, Value) else constant(out, name)
    return value, grads, nested


def _along_tangents(
    f: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...], name: str
) -> tuple[Any, list[Any], bool]:
    """The value and gradient at Dual arguments (forward over reverse, as in
    ``jvp(grad(f), ...)``): at the primals, with tangents the derivatives of
    the value and of each gradient component along the Duals' tangents.

    The gradient is recorded on Value leaves standing for the Duals and
    differentiated once more (reverse over reverse): the same
    Hessian-vector product forward mode over reverse would compute."""
    moving = [(k, Value(a.primal, label=f"arg{k}"), a.tangent) for k, a in enumerate(args)
              if type(a) is Dual]  # fmt: skip
    primals = list(args)
    for k, leaf, _ in moving:
        primals[k] = leaf
    value, grads, _ = _value_and_grads(f, primals, nums, name)
    leaves = [leaf for _, leaf, _ in moving]

    def lifted(x: Any) -> Dual:
        if not isinstance(x, Value):
            return Dual(x, 0.0)
        slopes = gradients(x, leaves)
        return Dual(x.data, sum(s * t for s, (_, _, t) in zip(slopes, moving)))

    return lifted(value), [lifted(g) for g in grads], False


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but the function returns ``(f(*args), gradient)``.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """

    def value_and_derivative(*args: Any) -> tuple[Any, Any]:
        nums = _check_argnums(argnums, len(args), "value_and_grad")
        value, grads, _ = _value_and_grads(f, args, nums, "value_and_grad")
        return value, (grads[0] if isinstance(argnums, int) else tuple(grads))

    value_and_derivative.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_derivative


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function computing ∂f/∂(argument ``argnums``) by reverse mode.

    ``f`` must return a scalar (a Value or a number). With an int ``argnums``
    the result is one derivative; with a tuple, a tuple of them. Floats in,
    floats out; any Value among the arguments makes the results Values,
    differentiable again (the backward pass is recorded, as with
    ``backward(create_graph=True)``), so ``grad`` nests to any order.

    >>> def f(x, y):
    ...     return x * x * y
    >>> grad(f)(3.0, 2.0)                 # 2xy
    12.0
    >>> grad(f, argnums=(0, 1))(3.0, 2.0)  # (2xy, x²)
    (12.0, 9.0)
    >>> grad(grad(f))(3.0, 2.0)           # 2y
    4.0
    """

    def derivative(*args: Any) -> Any:
        nums = _check_argnums(argnums, len(args), "grad")
        _, grads, _ = _value_and_grads(f, args, nums, "grad")
        return grads[0] if isinstance(argnums, int) else tuple(grads)

    derivative.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return derivative


def hessian(f: Callable[..., Any], argnums: Argnums | None = None) -> Callable[..., Any]:
    """The function returning the matrix of second derivatives, a list of lists.

    ``H[i][j] = ∂²f/∂xᵢ∂xⱼ`` over the arguments ``argnums`` (all by default),
    computed by differentiating the recorded gradient once per row.

    >>> def f(x, y):
    ...     return x * x * y + y * y * y
    >>> hessian(f)(1.0, 2.0)   # [[2y, 2x], [2x, 6y]]
    [[4.0, 2.0], [2.0, 12.0]]
    """

    def second_derivatives(*args: Any) -> list[list[Any]]:
        nums = _check_argnums(
            tuple(range(len(args))) if argnums is None else argnums, len(args), "hessian"
        )
        call, nested = _inputs(args, nums, "hessian")
        inputs = [call[i] for i in nums]
        with enable_grad():
            out = _scalar(f(*call), f, "hessian")
        first = gradients(out, inputs, create_graph=True)
        return [gradients(g, inputs, create_graph=nested) for g in first]

    second_derivatives.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return second_derivatives


def hvp(f: Callable[..., Any], primals: Sequence[Any], vector: Sequence[Any]) -> list[Any]:
    """The Hessian-vector product ``H(primals) · vector`` without forming ``H``.

    Differentiates ``∇f · vector`` once more (reverse over reverse): about the
    cost of two gradients, whatever the number of inputs.

    >>> def f(x, y):
    ...     return x * x * y + y * y * y
    >>> hvp(f, [1.0, 2.0], [1.0, 0.0])   # the first column of the Hessian
    [4.0, 2.0]
    """
    if len(primals) != len(vector):
        raise InvalidInputError(
            "hvp",
            (len(primals), len(vector)),
            f"{len(primals)} primals but {len(vector)} vector entries",
        )
    nums = tuple(range(len(primals)))
    call, nested = _inputs(primals, nums, "hvp")
    with enable_grad():
        out = _scalar(f(*call), f, "hvp")
        first = gradients(out, call, create_graph=True)
        directional: Value | float = 0.0
        for g, v in zip(first, vector):
            directional = g * v + directional
    return gradients(directional, call, create_graph=nested)
