"""aiccgen: spec-driven code generator for Huawei Cloud AICC / CEC call interfaces.

The flow is one-directional: specs -> validated -> IR -> templates -> files.
"""

__version__ = "0.1.0"
