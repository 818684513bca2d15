"""resilint as a Pulumi policy pack.

    pulumi preview --policy-pack policies/pulumi

The policies are built from resilint's rule registry (linter/pulumi_pack.py):
this file only starts the pack. Change a policy's enforcement level, or a
rule's options, with `--policy-pack-config`:

    {"aws-rds-instance-not-multi-az": "advisory",
     "k8s-deployment-single-replica": {"enforcementLevel": "disabled"}}
"""

import sys
from pathlib import Path

try:
    from linter.pulumi_pack import build_pack
except ImportError:  # running from a checkout without `pip install resilint[pulumi]`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from linter.pulumi_pack import build_pack

build_pack()
