"""Helpers da série *Variantes do BERT* (notebooks em português).

Um módulo por conceito; o notebook que mais usa cada um está entre parênteses.

* ``env``: ambiente do notebook: versões, dispositivo, sementes, perfil online/offline.
* ``project``: endereço do repositório, pastas de dados e de cache.
* ``hub``: modelos do Hub: o real do cache local ou o substituto do perfil offline, sempre anunciado.
* ``net``: a rede até o Hub: sem conexão, o perfil offline em segundos, com aviso.
* ``data``: dados de texto de três fontes (embutidos, Hub, CSV) num formato só.
* ``compat``: o que muda entre o transformers 4.46+ e o 5.x, num lugar só.
* ``training``: tokenização, congelamento, perda ponderada, precisão e o ``Trainer`` (02).
* ``batching``: lotes de frases de tamanho parecido, com a ordem original de volta.
* ``metrics``: métricas de classificação, avaliação de um modelo treinado e análise de erros.
* ``measure``: parâmetros, tamanho em disco e tempo na CPU de um modelo (01, 04, 05).
* ``inference``: previsões em frases novas (02, 05).
* ``production``: int8 à mão e no PyTorch (torchao), ONNX e ONNX Runtime, a tabela de produção (06).
* ``variants``: as variantes do BERT lado a lado, sem baixar pesos (01).
* ``pooling``: de um vetor por token a um vetor por frase (03).
* ``distill``: destilação de conhecimento: a perda, o ``Trainer`` e o aluno (04).
* ``artifacts``: pasta ``build/`` e modelos que um notebook treina e outro reaproveita.
* ``prose``: frases escritas pela execução, números no formato brasileiro, intervalos.
* ``plots``: gráficos com vírgula decimal.
* ``widgets``: controles interativos que também rodam sem navegador.
* ``checks``: os corretores dos exercícios de todos os notebooks.
* ``results``: o resultado de destaque de cada notebook.

Os comandos em escala (os notebooks 02 e 04 em vários processos) ficam fora daqui, no pacote ``commands``.
"""
from .env import get_device, is_offline, quiet_known_noise, seed_everything, setup_notebook

quiet_known_noise()

__version__ = "0.1.0"
__all__ = ["get_device", "is_offline", "seed_everything", "setup_notebook", "__version__"]
