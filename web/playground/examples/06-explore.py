# Explore one neuron: move the inputs and watch every value and gradient change
from autograd_scalar import Value
from autograd_scalar.viz import explore

x1, x2 = Value(1.0, label="x1"), Value(-1.0, label="x2")
w1, w2 = Value(1.0, label="w1"), Value(-2.0, label="w2")
b = Value(1.0, label="b")
z = w1 * x1 + w2 * x2 + b
z.label = "z"
a = z.sigmoid()
a.label = "a"
C = a**2
C.label = "C"
explore(C, params=[w1, w2, b], title="One neuron")
