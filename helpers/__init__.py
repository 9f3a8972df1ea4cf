"""Helpers da série *Variantes do BERT* (notebooks em português).

Cada módulo trata de um conceito: ``env`` (ambiente e sementes), ``hub``
(modelos e substitutos offline), ``data`` (as três fontes de dados),
``compat`` (diferenças entre versões do transformers), ``variants``
(notebook 01), ``checks`` (corretor dos exercícios).
"""
from .env import get_device, is_offline, seed_everything, setup_notebook

__version__ = "0.1.0"
__all__ = ["get_device", "is_offline", "seed_everything", "setup_notebook", "__version__"]
