"""Regression in practice on MPI data: loading, cleaning, dummies, OLS and VIF."""
