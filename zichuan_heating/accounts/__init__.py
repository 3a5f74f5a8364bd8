"""Users, roles and sign-in: the administrators' user page, password change and two-factor."""
