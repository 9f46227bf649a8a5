"""Request fields of the effective specs that the wrapper or the CLI deliberately does not expose.

tests/test_spec_coverage.py fails, naming the field, when a request property or parameter of
an effective document is neither a typed keyword argument of the clients (or a flag of the
CLI's ``speak`` command) nor listed here with the reason. Anything not exposed stays sendable
through ``extra_body``. Keys are (vendor, operationId, wire name).
"""

from __future__ import annotations

from typing import Final

# Not a keyword argument of Hamsa/AsyncHamsa, Livepeer/AsyncLivepeer.
WRAPPER_NOT_EXPOSED: Final[dict[tuple[str, str, str], str]] = {}

# Not a flag (or the positional TEXT) of `speechspec speak <vendor>`.
CLI_NOT_EXPOSED: Final[dict[tuple[str, str, str], str]] = {
    # A secret on the command line ends up in shell history and `ps`: the library takes it.
    ("hamsa", "createTtsJob", "webhookAuth"): "secret: library only (webhook_auth=)",
    # `speak hamsa` creates the job and waits for it itself; there is no job-status command.
    ("hamsa", "getJobById", "jobId"): "speak waits for the job it created",
}
