"""The Norse plugin of norse-cuda.

Its ``norse_register_kernels`` hook registers each Triton kernel for the core's fused
sequence ops; this first version loads and registers no kernels yet.
"""
