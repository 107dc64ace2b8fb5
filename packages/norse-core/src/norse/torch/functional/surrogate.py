__all__: list[str] = []
BUILTIN_SURROGATES: list = []
