"""Safe expressions: what is accepted, what is refused, and where the caret goes."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_scalar.core.value import Value
from autograd_scalar.expr import MAX_DEPTH, MAX_LENGTH, ExpressionError, evaluate, parse
from autograd_scalar.viz.graph import draw_graph

VARS = {"x": 2.0, "w": -3.0, "b": 1.0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tanh(w*x + b)", math.tanh(-5.0)),
        ("x**2 + 3*x - 1", 9.0),
        ("-x / 4", -0.5),
        ("+x", 2.0),
        ("2**x", 4.0),
        ("x**w", 2.0**-3.0),
        ("sigmoid(b - 1)", 0.5),
        ("exp(log(x))", 2.0),
        ("sqrt(x*8)", 4.0),
        ("relu(w) + abs(w)", 3.0),
        ("sin(0) + cos(0)", 1.0),
        ("2 * 3", 6.0),
        ("1e-3 * x", 2e-3),
    ],
)
def test_good_expressions_compute_the_right_value(text, expected):
    assert evaluate(text, VARS).data == pytest.approx(expected, rel=1e-12)


def test_variables_become_labelled_leaves_and_values_are_used_as_given():
    x = Value(2.0, label="x")
    y = evaluate("x * x", {"x": x})
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 4.0
    z = evaluate("w + 1", {"w": 5.0})
    assert z.parents[0].label == "w"


def test_a_number_alone_is_a_value():
    assert evaluate("1 + 2", {}).data == 3.0


HOSTILE = [
    ("__import__('os')", "calls to '__import__' are not allowed", 0, 10),
    ("__import__('os').system('echo hacked')", "attribute access", 0, 23),
    ("x.__class__", "attribute access", 0, 11),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access", 0, 40),
    ("tanh.__globals__", "attribute access", 0, 16),
    ("eval('1')", "calls to 'eval' are not allowed", 0, 4),
    ("open('/etc/passwd')", "calls to 'open'", 0, 4),
    ("[x for x in ()]", "ListComp is not allowed", 0, 15),
    ("(y := 3)", "NamedExpr is not allowed", 1, 7),
    ("'abc'", "only numbers are allowed", 0, 5),
    ("True + x", "only numbers are allowed", 0, 4),
    ("1j * x", "only numbers are allowed", 0, 2),
    ("lambda: 0", "Lambda is not allowed", 0, 9),
    ("x if b else w", "IfExp is not allowed", 0, 13),
    ("x < w", "Compare is not allowed", 0, 5),
    ("x[0]", "Subscript is not allowed", 0, 4),
    ("x // 2", "the operator // is not allowed", 0, 6),
    ("x % 2", "the operator % is not allowed", 0, 5),
    ("~x", "the operator ~ is not allowed", 0, 2),
    ("tanh(x=1)", "takes exactly one argument", 0, 9),
    ("tanh(*x)", "takes exactly one argument", 0, 8),
    ("tanh(x, w)", "takes exactly one argument", 0, 10),
    ("y + 1", "unknown name 'y'", 0, 1),
    ("x + tanh", "tanh is a function", 4, 8),
    ("x +", "invalid syntax", 3, 4),
    ("x + * 2", "invalid syntax", 4, 5),
    ("tanh(x", "'(' was never closed", 4, 5),
    ("x\n+ 1", "unexpected character", 1, 2),
    ("", "empty", 0, 1),
]


@pytest.mark.parametrize(("text", "message", "start", "end"), HOSTILE)
def test_hostile_or_invalid_input_is_refused_with_a_caret(text, message, start, end):
    with pytest.raises(ExpressionError, match="expression") as info:
        evaluate(text, VARS)
    error = info.value
    assert message in str(error)
    assert (error.start, error.end) == (start, end)
    if text.isprintable() and text:
        lines = str(error).splitlines()
        assert lines[-2] == "  " + text
        assert lines[-1] == "  " + " " * start + "^" * (end - start)


def test_nothing_is_ever_executed(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ExpressionError):
        evaluate(f"__import__('os').system('touch {marker}')", VARS)
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    ["2**10**10", "9**9**9**9", "x**1e6", "2**(x*1000)", "x*1e200*1e200", "1e400 * x", "9" * 400],
)
def test_huge_numbers_are_clear_errors_not_infinities_or_hangs(text):
    with pytest.raises(ExpressionError, match=r"overflow|too large|produced inf"):
        evaluate(text, VARS)


def test_domain_errors_point_at_the_operation():
    with pytest.raises(ExpressionError, match=r"log") as info:
        evaluate("x + log(w)", VARS)
    assert (info.value.start, info.value.end) == (4, 10)
    with pytest.raises(ExpressionError, match="undefined"):
        evaluate("(-8)**0.5", VARS)
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("x / (b - 1)", VARS)


def test_ten_thousand_deep_nesting_is_refused_quickly():
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate("(" * 10_000 + "x" + ")" * 10_000, VARS)
    with pytest.raises(ExpressionError, match="nested deeper") as info:
        evaluate("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), VARS)
    assert info.value.start == MAX_DEPTH
    with pytest.raises(ExpressionError, match="nested deeper"):
        evaluate("-" * (MAX_DEPTH + 5) + "x", VARS)
    with pytest.raises(ExpressionError, match="nested deeper"):
        evaluate("tanh(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), VARS)


def test_length_limit():
    text = "+".join(["x"] * (MAX_LENGTH // 2 + 1))
    assert len(text) > MAX_LENGTH
    with pytest.raises(ExpressionError, match=f"longer than {MAX_LENGTH}"):
        evaluate(text, VARS)


def test_long_expression_error_shows_a_window_with_the_caret_under_the_culprit():
    text = "x + " * 100 + "foo(x)"
    with pytest.raises(ExpressionError) as info:
        evaluate(text, VARS)
    *_, shown, caret = str(info.value).splitlines()
    column = caret.index("^")
    assert shown[column : column + 3] == "foo"
    assert len(shown) <= 2 + 120


def test_bad_variable_names_are_refused():
    for name in (
        "tanh",
        "for",
        "1x",
        "ｔａｎｈ",
        "ｆｏｒ",
    ):  # the last two are tanh and for to Python
        with pytest.raises(ExpressionError, match="cannot be a variable"):
            evaluate("1", {name: 1.0})


def test_parse_returns_the_checked_tree():
    tree = parse("tanh(x)", ("x",))
    assert tree.body.func.id == "tanh"


# ------------------------------------------------------------------ property
# Random expression trees over x, w, b, written out as text, with a reference
# value computed here on floats by math: the parser must agree and the graph
# must render.
_UNARY = {
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
}
_BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}

leaves = st.one_of(
    st.sampled_from(sorted(VARS)).map(lambda n: (n, VARS[n])),
    st.integers(0, 9).map(lambda k: (str(k), float(k))),
)


def _extend(children):
    unary = st.tuples(st.sampled_from(sorted(_UNARY)), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", _UNARY[t[0]](t[1][1]))
    )
    binary = st.tuples(st.sampled_from(sorted(_BINARY)), children, children).map(
        lambda t: (f"({t[1][0]} {t[0]} {t[2][0]})", _BINARY[t[0]](t[1][1], t[2][1]))
    )
    negation = children.map(lambda c: (f"-{c[0]}", -c[1]))
    return st.one_of(unary, binary, negation)


expression_texts = st.recursive(leaves, _extend, max_leaves=12)


@settings(max_examples=40)
@given(expression_texts)
def test_any_generated_expression_evaluates_and_renders(case):
    text, expected = case
    out = evaluate(text, VARS)
    assert out.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    out.backward()
    assert draw_graph(out).svg().rstrip().endswith("</svg>")


# ---------------------------------------------------- edges: columns, chains
# Each case: an expression with a culprit; the caret must start where the
# culprit starts in the text, counted in characters (ast counts UTF-8 bytes).
CULPRITS = [
    ("{p} + open('f')", "open"),
    ("{p} + y", "y"),
    ("{p} + x.real", "x.real"),
    ("{p} + x // 2", "x // 2"),
    ("{p} + 1e400 * x", "1e400"),
    ("{p} + log(-x)", "log(-x)"),
    ("{p} + tanh", "tanh"),
    ("{p} + * 2", "*"),
    ("{p} + 1a", "1"),
]


@pytest.mark.parametrize("prefix", ["é", "ééé", "中文", "x * üx", "ｘ"])
@pytest.mark.parametrize(("template", "culprit"), CULPRITS)
def test_the_caret_counts_characters_not_bytes(prefix, template, culprit):
    text = template.format(p=prefix)
    with pytest.raises(ExpressionError) as info:
        evaluate(text, {"x": 2.0, "é": 1.0, "ééé": 1.0, "中文": 1.0, "üx": 1.0})
    assert info.value.start == text.index(culprit, len(prefix))


def test_the_caret_is_aligned_after_wide_characters():
    with pytest.raises(ExpressionError) as info:
        evaluate("中 + open(1)", {"中": 1.0})
    *_, shown, caret = str(info.value).splitlines()
    assert shown == "  中 + open(1)"
    assert caret == "       ^^^^"  # 中 takes two columns of a terminal


@pytest.mark.parametrize("text", ["x +", "x + * 2", "x y", "x = 1"])
def test_invalid_syntax_is_said_once(text):
    with pytest.raises(ExpressionError) as info:
        evaluate(text, VARS)
    first = str(info.value).splitlines()[0]
    assert first.count("invalid syntax") == 1


def test_leading_spaces_are_not_an_indent():
    assert evaluate("  x + 1", VARS).data == 3.0
    with pytest.raises(ExpressionError, match="invalid syntax") as info:
        evaluate("  x +", VARS)
    assert info.value.start == 5
    with pytest.raises(ExpressionError, match="unknown name") as info:
        evaluate("   y", VARS)
    assert (info.value.start, info.value.end) == (3, 4)


@pytest.mark.parametrize(
    ("op", "terms", "expected", "gradient"),
    [
        ("+", 300, 600.0, 300.0),
        ("-", 300, 2.0 - 299 * 2.0, 1.0 - 299.0),
        ("*", 200, 2.0**200, 200 * 2.0**199),
    ],
)
def test_a_long_flat_chain_is_not_deep_nesting(op, terms, expected, gradient):
    x = Value(2.0, label="x")
    out = evaluate(op.join(["x"] * terms), {"x": x})
    out.backward()
    assert out.data == pytest.approx(expected, rel=1e-12)
    assert x.grad == pytest.approx(gradient, rel=1e-12)


def test_a_mixed_chain_of_one_level_is_flat():
    text = "x" + "".join(f"{op}x" for op in ["+", "-", "+", "+", "-"] * 60)  # 300 operations
    assert evaluate(text, VARS).data == pytest.approx(2.0 + 60 * 2.0, rel=1e-12)
    text = "x" + "".join(f"{op}x" for op in ["*", "/"] * 150)
    assert evaluate(text, VARS).data == pytest.approx(2.0, rel=1e-12)


def test_real_nesting_is_still_bounded_and_the_caret_marks_the_deepest_part():
    with pytest.raises(ExpressionError, match=f"nested deeper than {MAX_DEPTH}") as info:
        evaluate("x + " + "-" * (MAX_DEPTH + 1) + "x", VARS)
    # the operand of `x + ...` is at depth 2: the 100th minus is at depth 101
    assert info.value.start == len("x + ") + MAX_DEPTH - 1
    # a chain whose every link is itself nested is not flat
    nested = "x" + "**x" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested deeper"):
        evaluate(nested, VARS)


def test_declared_names_are_read_as_python_reads_them():
    """Python's parser folds identifiers to NFKC form: ｘ is x, ﬁ is fi."""
    assert evaluate("ｘ * 2", {"ｘ": 3.0}).data == 6.0
    assert evaluate("x * 2", {"ｘ": 3.0}).data == 6.0
    assert evaluate("ﬁ + 1", {"ﬁ": 3.0}).data == 4.0


def test_numbers_alone_are_computed_without_the_rules(monkeypatch):
    """Constant folding is plain float arithmetic: it does not call into the
    engine's rule table, whose signature is not this module's business."""
    from autograd_scalar.core import RULES

    for name in ("add", "sub", "mul", "div", "pow"):
        monkeypatch.setitem(RULES, name, None)
    assert evaluate("2**3 * 4 - 1 / 2 + 2**-1", {}).data == 32.0
    assert evaluate("(-2)**3", {}).data == -8.0
    for text, message in [
        ("0**-1", "division by zero"),
        ("1/0", "division by zero"),
        ("(-8)**(1/3)", "undefined"),
        ("10.0**400", "overflows"),
        ("1e308 * 10", "overflows"),
        ("1e308 + 1e308", "overflows"),
    ]:
        with pytest.raises(ExpressionError, match=message):
            evaluate(text, {})
