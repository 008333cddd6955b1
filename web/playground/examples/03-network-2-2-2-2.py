# The 2-2-2-2 sigmoid network with inputs (1, −1) (notebook 03, lecture notes 002)
from autograd_scalar import MLP, Value
from autograd_scalar.viz import draw_network

# weights[n][j][k]: from input k to neuron j of layer n
weights = [
    [[1.0, -2.0], [-1.0, 1.0]],
    [[2.0, -1.0], [-2.0, -1.0]],
    [[3.0, -1.0], [-1.0, 4.0]],
]
biases = [[1.0, 0.0], [0.0, 0.0], [-2.0, 2.0]]
x = [1.0, -1.0]
target = [0.0, 1.0]

mlp = MLP.from_weights(weights, biases, ["sigmoid", "sigmoid", "sigmoid"])
a = [Value(v) for v in x]
for n, layer in enumerate(mlp.layers):
    a = layer(a)
    print(f"layer {n + 1}: a = {[round(v.data, 2) for v in a]}")  # 0.98 / 0.12, 0.86 / 0.11
y = mlp([Value(v) for v in x])
loss = sum((yi - ti) ** 2 for yi, ti in zip(y, target))
loss.backward()
print(f"output y = {[round(v.data, 4) for v in y]}, loss = {loss.data:.4f}")
print(f"∂L/∂w22 of layer 3 = {mlp.layers[2].neurons[1].w[1].grad:.5f}")

draw_network(mlp, x=x, loss=loss)
