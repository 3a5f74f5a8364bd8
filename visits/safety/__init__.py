"""Safety checks, emergency plans and drills (安全隐患排查 · 应急预案 · 应急演练)."""
