"""Ralph test shim: lets the file-system LRS backend take more than one POST.

Python loads this at start-up when scripts/ralph is on PYTHONPATH (scripts/ralph-lrs.sh and
tests/lrs_ralph.rs set it for the Ralph server only). Ralph 5.1's file-system data backend
writes with operation type CREATE by default, which refuses to write to an existing file,
so with `ralph runserver -b fs` only the first POST /xAPI/statements is stored and every
later one fails with 500 "Statements bulk indexation failed". Appending is what the LRS
file (one JSON statement per line) needs. Nothing else is changed.
"""

try:
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.data.fs import FSDataBackend

    FSDataBackend.default_operation_type = BaseOperationType.APPEND
except Exception:  # not Ralph's venv, or another Ralph layout: leave it alone
    pass
