TERRAFORM_K8S_TYPES = {}
def to_canonical(r):
    return r
