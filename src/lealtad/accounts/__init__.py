"""Sign-in: one throttle for every login form, two-factor codes for staff, password rules."""
