"""Resource addresses: what every stage needs to know about their shape.

Terraform addresses carry instance keys (`module.a["x"].aws_subnet.b[0]`); a
reference written in configuration names the block without them
(`module.a.aws_subnet.b`). Kubernetes addresses are `Kind/namespace/name`
(`loaders.kubernetes.address_of`), Pulumi's are the URN's name.
"""

from __future__ import annotations

import re

# an innermost `[...]`: stripped again and again, so nested keys (`b[var.x[0]]`) go too
_INNERMOST_KEY = re.compile(r"\[[^\[\]]*\]")


def strip_instance_keys(address: str) -> str:
    """`module.a["x"].aws_subnet.b[0]` -> `module.a.aws_subnet.b` (a "]" inside a
    quoted key is not supported: Terraform keys are numbers or plain strings)."""
    while "[" in address:
        stripped = _INNERMOST_KEY.sub("", address)
        if stripped == address:
            return address  # an unbalanced "[": left as written
        address = stripped
    return address
