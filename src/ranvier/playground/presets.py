"""The lecture's lessons as one-click presets, each with a short explanation.

A preset is plain data: the view it opens, the classifier settings (a partial
update of :data:`.settings.DEFAULTS`) or the optimiser race, and its text.
"""

from __future__ import annotations

__all__ = ["PRESETS"]

_BASE = {"noise": 0.2, "points": 500, "ratio": 0.5, "seed": 0, "features": ["x1", "x2"], "l2": 0.0,
         "optimizer": "adam", "lr": 0.03, "mode": "minibatch", "batch_size": 10, "loss": "softmax"}

PRESETS: list[dict] = [
    {"id": "xor-linear", "view": "classifier", "title": "Least squares cannot fit XOR",
     "text": "A linear model with the squared loss (the lecture's least-squares fit) draws one straight "
             "line: XOR's corners cannot be split by any line, so about half the points stay wrong.",
     "settings": {**_BASE, "dataset": "xor", "layers": [], "activation": [], "loss": "squared"}},
    {"id": "xor-relu", "view": "classifier", "title": "A 2-layer ReLU network fits XOR",
     "text": "One hidden layer of ReLU units bends the boundary: two units are enough in principle "
             "(the lecture's hand-set network uses two), four learn it reliably from a random start.",
     "settings": {**_BASE, "dataset": "xor", "layers": [4], "activation": ["relu"]}},
    {"id": "xor-hand", "view": "classifier", "title": "The lecture's hand-set XOR network",
     "text": "The lecture's ReLU network h = relu(x1 + x2 + (0, -1)), g = h1 - 2 h2 computes XOR on {0, 1}^2 "
             "exactly. Here it is written for the corners (+-1, +-1): W1 = 0.5 [[1, 1], [1, 1]], b1 = (1, 0), and "
             "two scores g and 1 - g. Noise 0: every point sits on a corner, the squared loss is 0 before any "
             "training. Press play with noise and watch gradient descent move it.",
     "settings": {**_BASE, "dataset": "xor", "noise": 0.0, "layers": [2], "activation": ["relu"], "loss": "squared",
                  "optimizer": "sgd", "lr": 0.01},
     "params": {"W1": [[0.5, 0.5], [0.5, 0.5]], "b1": [1.0, 0.0], "W2": [[-1.0, 2.0], [1.0, -2.0]], "b2": [1.0, 0.0]}},
    {"id": "lr-small", "view": "classifier", "title": "Learning rate too small",
     "text": "Plain SGD with lr = 0.001 barely moves: the loss curve crawls and the boundary hardly changes.",
     "settings": {**_BASE, "dataset": "circles", "layers": [8], "activation": ["relu"], "optimizer": "sgd",
                  "lr": 0.001}},
    {"id": "lr-right", "view": "classifier", "title": "Learning rate about right",
     "text": "Plain SGD with lr = 0.1: the loss falls steadily and the circle is found in a few dozen epochs.",
     "settings": {**_BASE, "dataset": "circles", "layers": [8], "activation": ["relu"], "optimizer": "sgd",
                  "lr": 0.1}},
    {"id": "lr-large", "view": "classifier", "title": "Learning rate too large",
     "text": "Plain SGD with lr = 5: the steps overshoot, the loss jumps around or blows up (training stops "
             "and says so). Lower it and press reset.",
     "settings": {**_BASE, "dataset": "circles", "layers": [8], "activation": ["relu"], "optimizer": "sgd",
                  "lr": 5.0}},
    {"id": "lr-bowl", "view": "optimizer", "title": "Learning rates on the bowl: lr < 2/L",
     "text": "Gradient descent on the bowl 0.5 (x^2 + 10 y^2), whose curvature is L = 10: it converges for "
             "lr < 2/L = 0.2 and diverges above. 0.01 crawls, 0.1 is quick, 0.19 zigzags, 0.21 blows up.",
     "race": {"function": "bowl", "steps": 150, "runs": [{"optimizer": "gd", "lr": lr} for lr in
                                                         (0.01, 0.1, 0.19, 0.21)]}},
    {"id": "optimizers-rosenbrock", "view": "optimizer", "title": "Optimisers race on Rosenbrock",
     "text": "The banana valley: plain gradient descent creeps along the floor, momentum overshoots and "
             "swings, Adam and RMSprop move about lr per coordinate and step.",
     "race": {"function": "rosenbrock", "steps": 500, "runs": [{"optimizer": o} for o in
                                                              ("gd", "momentum", "nesterov", "rmsprop", "adam")]}},
    {"id": "sigmoid-deep", "view": "classifier", "title": "Sigmoid saturates in a deep network",
     "text": "Six sigmoid layers with plain SGD: the derivative of the sigmoid is at most 1/4, so the "
             "gradient shrinks layer by layer and the early layers hardly learn; the loss stays flat.",
     "settings": {**_BASE, "dataset": "spirals", "classes": 3, "layers": [8] * 6, "activation": ["sigmoid"] * 6,
                  "optimizer": "sgd", "lr": 0.1}},
    {"id": "relu-deep", "view": "classifier", "title": "ReLU in the same deep network",
     "text": "The same six layers with ReLU: its derivative is 1 where a unit is active, so the gradient "
             "reaches the first layers and the spirals are learned.",
     "settings": {**_BASE, "dataset": "spirals", "classes": 3, "layers": [8] * 6, "activation": ["relu"] * 6,
                  "optimizer": "sgd", "lr": 0.1}},
    {"id": "linear-collapse", "view": "classifier", "title": "Stacked linear layers collapse to one",
     "text": "Three hidden layers with the identity activation compute W3 W2 W1 x + b: one linear map, "
             "so the boundary on circles stays a straight line however deep the network.",
     "settings": {**_BASE, "dataset": "circles", "layers": [8, 8, 8], "activation": ["identity"] * 3}},
    {"id": "units-circles", "view": "classifier", "title": "What hidden units learn: circles",
     "text": "Three ReLU units each learn a half-plane (see their heat maps); the output combines the "
             "three into a triangle around the inner circle.",
     "settings": {**_BASE, "dataset": "circles", "layers": [3], "activation": ["relu"]}},
    {"id": "units-spirals", "view": "classifier", "title": "What hidden units learn: spirals",
     "text": "First-layer units are half-planes, second-layer units combine them into curved pieces of the "
             "arms: the hidden layers as learned features.",
     "settings": {**_BASE, "dataset": "spirals", "classes": 3, "layers": [16, 16], "activation": ["relu", "relu"]}},
]
"""The presets in the order the page lists them."""
