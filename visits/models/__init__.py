"""Models of visits, cases and safety checks, one module a subject (Django finds them here)."""
