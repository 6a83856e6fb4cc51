"""Optimization: gradient descent, SGD, mini-batch SGD and Adam on a linear model, and loss surfaces."""
