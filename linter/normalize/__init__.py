"""Normalisation of Pulumi inputs to the canonical model.

`tokens`: the one table of Pulumi type tokens -> canonical types (Terraform
type names for bridged cloud providers, `group/Kind` for Kubernetes, the
version-less token for azure-native).
`names`: Pulumi property names (camelCase, pluralised lists, renames) ->
Terraform attribute names (snake_case), rules.md Appendix B.

Pure Python, no Pulumi import: scanning Pulumi JSON needs no Pulumi package.
"""

from linter.normalize.names import camel_to_snake, snake_names
from linter.normalize.tokens import (
    AZURE_NATIVE_TYPES, NO_PULUMI_MAPPING, PULUMI_TOKENS, TERRAFORM_TO_PULUMI, canonical_type, has_no_pulumi_mapping, kubernetes_token,
)

__all__ = [
    "AZURE_NATIVE_TYPES", "NO_PULUMI_MAPPING", "PULUMI_TOKENS", "TERRAFORM_TO_PULUMI", "camel_to_snake",
    "canonical_type", "has_no_pulumi_mapping", "kubernetes_token", "snake_names",
]
