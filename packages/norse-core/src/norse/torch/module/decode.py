__all__: list[str] = []
DECODER_SPECS: list = []
