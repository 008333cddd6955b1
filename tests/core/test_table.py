"""One table, every consumer: walk RULES and prove each path handles every op.

The table in ``autograd_scalar/core/rules.py`` is the single source of truth.
For every built-in rule and two custom ones (a forward written with ``m``,
which vectorises, and one written with ``math``, which the replay runs example
by example), each consumer is checked against :func:`apply`, the one way to
apply a rule: the Value engine and its syntax, the free functions, forward
mode, the recorded backward pass (to third order), the vectorised replay,
the strategies, the expression language, the diagrams, the step-through and
gradcheck.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_scalar
from autograd_scalar import define_op, gradcheck, gradgradcheck, remove_op
from autograd_scalar.check.strategies import edge_operands, operands
from autograd_scalar.core import functions
from autograd_scalar.core.apply import apply
from autograd_scalar.core.backward import recorded_locals
from autograd_scalar.core.maths import FLOAT_MATH
from autograd_scalar.core.rules import BUILTIN, OPERATORS, RULES, Rule
from autograd_scalar.core.value import Value
from autograd_scalar.expr import FUNCTIONS, evaluate
from autograd_scalar.transforms.forward import Dual
from autograd_scalar.transforms.functional import grad
from autograd_scalar.viz import draw_graph, step_through

CUSTOM = ("softplus_m", "hypot_math")
NAMES = sorted(BUILTIN) + list(CUSTOM)


@pytest.fixture(scope="module", autouse=True)
def custom_ops() -> Iterator[None]:
    define_op(
        "softplus_m",
        forward=lambda m, x: m.log(1.0 + m.exp(-m.abs(x))) + m.maximum(x, 0.0),
        local=lambda m, x, y, out: 1.0 - m.exp(-out),  # σ(x) = 1 - e^(-softplus x)
        formula="log(1 + exp(x))",
        derivatives=("σ(x)",),
        symbol="softplus",
    )
    define_op(
        "hypot_math",
        forward=lambda x, y: math.hypot(x, y),  # floats only: the replay runs it per example
        local=lambda m, x, y, out: (x / out, y / out),
        formula="hypot(x, y)",
        derivatives=("x/hypot(x, y)", "y/hypot(x, y)"),
        interval=(0.5, 3.0),
    )
    yield
    remove_op("softplus_m")
    remove_op("hypot_math")


def smooth_point(rule: Rule) -> tuple[float, ...]:
    """A fixed point inside every drawing interval, away from 0 and the kinks."""
    return tuple(low + 0.3 * (high - low) for (low, high), *_ in rule.domain.draw[: rule.arity])


def leaves(rule: Rule, point: tuple[float, ...]) -> list[Value]:
    return [Value(x, label=f"a{k}") for k, x in enumerate(point)]


def apply_syntax(rule: Rule, args: list[Value]) -> Value:
    """The rule as a user writes it: an operator, a method, or a custom op's call."""
    if rule.name in CUSTOM:
        from autograd_scalar.core.extend import CUSTOM_OPS

        return CUSTOM_OPS[rule.name](*args)
    if rule.method:
        return getattr(args[0], rule.method)()
    if rule.name == "powv":
        return args[0] ** args[1]
    dunder = next(d for d, (name, reflected) in OPERATORS.items() if name == rule.name)
    if rule.arity == 1:
        return getattr(args[0], dunder)()
    if rule.const_arg:
        other = args[1].data
        return getattr(args[0], dunder)(other)
    return getattr(args[0], dunder)(args[1])


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_applies_the_rule_as_apply_does(name: str) -> None:
    rule = RULES[name]
    point = smooth_point(rule)
    out = apply_syntax(rule, leaves(rule, point))
    assert out.op == name
    expected_out, expected_locals = apply(rule, point)
    assert out.data == expected_out
    assert out.local_grads == tuple(expected_locals)


@pytest.mark.parametrize("name", NAMES)
def test_every_rule_with_a_method_has_a_free_function_and_a_method(name: str) -> None:
    rule = RULES[name]
    if not rule.method:
        pytest.skip("an operator or a custom op's call")
    assert callable(getattr(Value, rule.method))
    for namespace in (functions, autograd_scalar):
        function = getattr(namespace, rule.method)
        assert function(Value(0.5)).op == name
        assert function(0.5).data == apply(rule, (0.5,))[0]
    assert FUNCTIONS[rule.method] is functions.FUNCTIONS[rule.method]


@pytest.mark.parametrize("name", NAMES)
def test_forward_mode_applies_the_rule(name: str) -> None:
    rule = RULES[name]
    point = smooth_point(rule)
    out, locals_ = apply(rule, point)
    tangents = [1.0 if d else 0.0 for d in rule.differentiable]
    duals = [Dual(x, t) for x, t in zip(point, tangents)]
    result = functions.call(rule, *duals)
    assert result.primal == out
    assert result.tangent == pytest.approx(
        sum(local * t for local, t in zip(locals_, tangents) if local is not None), rel=1e-15
    )
    if rule.method:  # and the generated method does the same
        assert getattr(Dual(point[0], 1.0), rule.method)().tangent == result.tangent


@pytest.mark.parametrize("name", NAMES)
def test_the_recorded_backward_pass_recomputes_the_stored_derivatives(name: str) -> None:
    rule = RULES[name]
    args = leaves(rule, smooth_point(rule))
    out = functions.call(rule, *args)
    recorded = recorded_locals(out)
    for stored, again in zip(out.local_grads, recorded):
        if stored is None:
            assert again is None
        else:
            value = again.data if isinstance(again, Value) else again
            assert value == pytest.approx(stored, rel=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_to_third_order_agree_with_forward_mode(name: str) -> None:
    """grad(grad(f)) by reverse over reverse equals the forward-mode derivative
    of grad(f)'s value (a different path through the table), to third order."""
    rule = RULES[name]
    point = smooth_point(rule)

    def f(x: Any) -> Any:
        return functions.call(rule, x, *point[1:]) if rule.arity == 2 else functions.call(rule, x)

    first, second, third = grad(f), grad(grad(f)), grad(grad(grad(f)))
    x0, h = point[0], 1e-5 * max(1.0, abs(point[0]))
    assert second(x0) == pytest.approx(
        (first(x0 + h) - first(x0 - h)) / (2 * h), rel=1e-5, abs=1e-7
    )
    assert third(x0) == pytest.approx(
        (second(x0 + h) - second(x0 - h)) / (2 * h), rel=1e-4, abs=1e-6
    )


@pytest.mark.parametrize("name", NAMES)
def test_the_replay_gives_the_engines_values_and_gradients(name: str) -> None:
    from autograd_scalar.vectorize import PerformanceWarning, record

    rule = RULES[name]
    rng = np.random.default_rng(0)
    intervals = [rule.domain.draw[k][-1] for k in range(rule.arity)]
    batch = [rng.uniform(low, high, size=5) for low, high in intervals]
    w = Value(1.0, label="w")

    def one(*xs: Value) -> Value:
        return functions.call(rule, w * xs[0], *xs[1:])

    if name == "hypot_math":  # its forward is written with math: replayed example by example
        with pytest.warns(PerformanceWarning, match="hypot_math"):
            rec = record(one, *(float(b[0]) for b in batch))
    else:
        rec = record(one, *(float(b[0]) for b in batch))
    values, grads = rec.value_and_grad(*batch)
    for i in range(5):
        xs = [Value(float(b[i])) for b in batch]
        out = one(*xs)
        # NumPy's and math's tanh, exp... may differ in the last bit
        assert values[i] == pytest.approx(out.data, rel=1e-14, abs=1e-300)
    total = 0.0
    for i in range(5):
        w.grad = 0.0
        one(*(Value(float(b[i])) for b in batch)).backward()
        total += w.grad
    assert grads[0] == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_the_strategies_draw_where_the_rule_is_defined(name: str) -> None:
    rule = RULES[name]

    @settings(max_examples=25, derandomize=True)
    @given(operands(rule), edge_operands(rule))
    def check(smooth: tuple[float, ...], edge: tuple[float, ...]) -> None:
        out, locals_ = apply(rule, smooth)
        assert math.isfinite(out) and all(d is None or math.isfinite(d) for d in locals_)
        outside = rule.domain.outside
        assert outside is None or not outside(FLOAT_MATH, *edge)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_the_expression_language_calls_every_function_of_the_table(name: str) -> None:
    rule = RULES[name]
    if not rule.method:
        pytest.skip("operators are the language's own syntax")
    out = evaluate(f"{rule.method}(x)", {"x": 0.5})
    assert out.op == name and out.data == apply(rule, (0.5,))[0]


@pytest.mark.parametrize("name", NAMES)
def test_diagrams_and_the_step_through_draw_every_rule(name: str) -> None:
    rule = RULES[name]
    args = leaves(rule, smooth_point(rule))
    out = functions.call(rule, *args)
    source = draw_graph(out).source
    assert rule.symbol in source
    steps = step_through(out)
    expected = apply(rule, smooth_point(rule))[1][0]
    assert any(f"{expected:.4g}"[:4] in frame.equation for frame in steps.frames)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_passes_every_rule(name: str) -> None:
    rule = RULES[name]
    point = smooth_point(rule)
    fixed = [x for x, d in zip(point, rule.differentiable) if not d]

    def f(*xs: Any) -> Any:
        return functions.call(rule, *xs, *fixed)

    moving = [x for x, d in zip(point, rule.differentiable) if d]
    assert gradcheck(f, *moving) and gradgradcheck(f, *moving)


def test_every_builtin_is_a_method_or_an_operator() -> None:
    """The generated free functions and Dual methods cover exactly the rules
    with a method; the rest are Python operators (``**`` covers pow and powv)."""
    with_method = {r.method for r in RULES.values() if r.name in BUILTIN and r.method}
    assert with_method <= set(functions.FUNCTIONS)
    assert all(callable(getattr(Dual, name)) for name in with_method)
    operators = {name for name, _ in OPERATORS.values()} | {"powv"}
    assert {r.name for r in RULES.values() if r.name in BUILTIN and not r.method} <= operators
