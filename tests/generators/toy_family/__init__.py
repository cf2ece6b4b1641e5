"""A toy family, written as a new engineer would add one (docs/families.md, "Adding a family"):
`templates/toy/` (its template folder), `toy/` (its package: a FAMILY declaration and a
generator), and one line in the registry (the test composes the registry with that line)."""
