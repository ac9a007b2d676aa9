"""One module per constraint family of ``docs/formulation.md``.

Each family exposes ``add(m, net)`` which adds its sets, variables, constraints and named cost
expressions to the model. ``model.build.build_model`` calls them in one readable sequence.
"""
