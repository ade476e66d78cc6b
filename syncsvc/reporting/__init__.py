"""What `syncsvc status` reads and how it says it: the state database opened for reading only
(database.py), words for internal keys and times with their zone (words.py), and open issues with
their order and QuickBooks document, grouped by the fix (issues.py)."""
