# Check my derivation: is my ∂C/∂a right? (notebook 13)
import math

from autograd_scalar import check_derivative


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def cost(a, w3, w4):  # a reaches C along two paths
    y1, y2 = (w3 * a).sigmoid(), (w4 * a).sigmoid()
    return (y1 - 1.0) ** 2 + y2**2


def dC_dz1(a, w3):
    y1 = sigmoid(w3 * a)
    return 2 * (y1 - 1.0) * y1 * (1 - y1)


def dC_dz2(a, w4):
    y2 = sigmoid(w4 * a)
    return 2 * y2 * y2 * (1 - y2)


# Both paths: right.
print(check_derivative(cost, lambda a, w3, w4: w3 * dC_dz1(a, w3) + w4 * dC_dz2(a, w4), wrt="a"))
print()
# One path forgotten: the check says which one.
print(check_derivative(cost, lambda a, w3: w3 * dC_dz1(a, w3), wrt="a").diagnosis)
print()
# The same check with expressions, as the command line takes them:
print(check_derivative("(tanh(z) - y)**2", "2*(tanh(z) - y)", wrt="z").diagnosis)
