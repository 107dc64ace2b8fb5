__all__: list[str] = []
PLASTICITY_SPECS: list = []
