"""AVA's Azure resources for the business of the selected stack (`pulumi up`)."""

import pulumi
from ava_infra import config, stack

for name, value in stack.build(config.load()).items():
    pulumi.export(name, value)
