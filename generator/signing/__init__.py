"""Digital sign-off: empty signature fields in every PDF annex, PAdES signing and verification."""

import logging

# pyHanko logs expected validation failures (an untrusted chain...) with their tracebacks; the
# reports say what failed, so nothing of that reaches a user's terminal
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
