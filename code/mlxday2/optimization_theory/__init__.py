"""Chapter ``optimization_theory``: the lecture's rates, momentum, noise and saddles.

Read in this order:

- ``problems``: quadratics with a chosen spectrum (least squares, Nesterov's worst
  case) and their constants L and mu;
- ``runs``: the one loop every method runs in (``iterate``) and its record
  (``Iterates``);
- ``momentum``: heavy ball and Nesterov as update rules, their tuned constants;
- ``rates``: gradient descent and accelerated gradient descent against the theorems;
- ``stochastic``: SGD's noise floor, decaying steps, mini-batches and SVRG;
- ``adaptive``: Adam and AMSGrad on Reddi, Kale and Kumar's counterexample;
- ``saddles``: strict saddles, perturbed GD, a landscape without spurious minima and
  a chain of saddles;
- ``plots``: figures; they take computed data and return the Axes they drew.

Used as modules: ``from mlxday2.optimization_theory import rates, saddles``.
"""
