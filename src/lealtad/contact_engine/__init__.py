"""The contact center's pure engine: routing, metrics, staffing, simulation, IVR, dialer."""
