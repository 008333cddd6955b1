# The two-path sum: a reaches C through z′ = w3·a and z″ = w4·a (notebook 01)
import math

from autograd_scalar import Value
from autograd_scalar.viz import draw_graph, step_through

a = Value(0.8, label="a")
w3, w4 = Value(2.0, label="w3"), Value(-1.0, label="w4")
z1 = w3 * a
z1.label = "z′"
z2 = w4 * a
z2.label = "z″"
C = z1.tanh() + z2**2
C.label = "C"
C.backward()

two_paths = w3.data * z1.grad + w4.data * z2.grad
print(f"∂C/∂z′ = {z1.grad:.4f}, ∂C/∂z″ = {z2.grad:.4f}")
print(f"w3·∂C/∂z′ + w4·∂C/∂z″ = {two_paths:.6f}")
print(f"engine: ∂C/∂a = {a.grad:.6f}")
assert math.isclose(a.grad, two_paths, rel_tol=1e-12)

show(draw_graph(C, view="backward"))
step_through(C)  # press Next, or the arrow keys
