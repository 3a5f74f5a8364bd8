"""Pages of visits and cases, one module a subject; thin: parse, call a service or a query."""
