"""Chapter ``optimization_theory``: the lecture's rates, momentum, noise and saddles.

- ``theory``: least-squares problems with a chosen spectrum, GD rates against the theorems,
  heavy ball and Nesterov, SGD's noise floor and decaying steps;
- ``saddles``: a strict saddle, gradient descent stalling near it and perturbed GD.

Used as modules: ``from mlxday2.optimization_theory import saddles, theory``.
"""

from mlxday2.optimization_theory import saddles, theory
