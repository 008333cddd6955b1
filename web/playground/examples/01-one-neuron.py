# One neuron: the chain rule, by the engine and by hand (notebook 01)
import math

from autograd_scalar import Value
from autograd_scalar.viz import draw_graph

x1, x2 = Value(1.0, label="x1"), Value(-1.0, label="x2")
w1, w2 = Value(1.0, label="w1"), Value(-2.0, label="w2")
b = Value(1.0, label="b")
z = w1 * x1 + w2 * x2 + b
z.label = "z"
a = z.sigmoid()
a.label = "a"
C = (a - 0.0) ** 2
C.label = "C"
C.backward()

by_hand = x1.data * (a.data * (1 - a.data)) * (2 * (a.data - 0.0))  # ∂z/∂w1 · σ′(z) · ∂C/∂a
print(f"z = {z.data}, a = {a.data:.4f}, C = {C.data:.4f}")
print(f"engine:  ∂C/∂w1 = {w1.grad:.6f}")
print(f"by hand: ∂C/∂w1 = {by_hand:.6f}")
assert math.isclose(w1.grad, by_hand, rel_tol=1e-12)

show(draw_graph(C, view="forward"))
draw_graph(C, view="backward")
