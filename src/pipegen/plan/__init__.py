"""Plan: the architecture chosen for a spec, with its reasons, components and capacity."""
