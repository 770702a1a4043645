"""The contact center as a customer loyalty center (seed 002): agents, skills, queues, the ACD,
IVR, CTI, the dialer, the wallboard and staffing. The algorithms live in the pure
``lealtad.contact_engine`` package; this context keeps their state and speaks for them."""
