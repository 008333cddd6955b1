# The backward pass as a reverse network of amplifiers (lecture notes 002)
from autograd_scalar import MLP, Value
from autograd_scalar.viz import draw_network, network_steps, reverse_network

weights = [
    [[1.0, -2.0], [-1.0, 1.0]],
    [[2.0, -1.0], [-2.0, -1.0]],
    [[3.0, -1.0], [-1.0, 4.0]],
]
biases = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]
x = [1.0, -1.0]
mlp = MLP.from_weights(weights, biases, ["sigmoid", "sigmoid", "sigmoid"])
y = mlp([Value(v) for v in x])
loss = (y[0] - 0.0) ** 2 + (y[1] - 1.0) ** 2

# Each neuron multiplies what comes back by its own constant σ′(z).
for row in reverse_network(mlp, x, loss):
    for amp in row:
        print(f"neuron {amp.name}: × σ′(z) = {amp.slope:.4f}, ∂L/∂z = {amp.dl_dz: .5f}")

show(draw_network(mlp, x, loss, view="backward"))
network_steps(mlp, x, loss)  # layer by layer, from the output
