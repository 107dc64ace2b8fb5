__all__: list[str] = []
ENCODER_SPECS: list = []
