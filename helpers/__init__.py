"""Helpers da série *Variantes do BERT* (notebooks em português).

Um módulo por conceito; o notebook que mais usa cada um está entre parênteses.

* ``env``: ambiente do notebook: versões, dispositivo, sementes, perfil online/offline.
* ``project``: endereço do repositório, pastas de dados e de cache.
* ``hub``: modelos do Hub: o real do cache local ou o substituto do perfil offline, sempre anunciado.
* ``hub_cache``: o cache do Hugging Face: onde estão, sem internet, os modelos e datasets reais.
* ``standins``: os substitutos offline: o MiniLM e o DistilBERT de 3 camadas construído dele.
* ``net``: a rede até o Hub: sem conexão, o perfil offline em segundos, com aviso.
* ``data``: dados de texto de três fontes (embutidos, Hub, CSV) num formato só.
* ``tables``: leitura de uma tabela (CSV ou planilha) de textos rotulados e escolha das colunas.
* ``cleaning``: limpeza de uma tabela de textos rotulados (vazios, repetidos), com o motivo de cada remoção.
* ``splits``: o formato comum dos dados (``TextData``), os mapas de rótulos e a validação sorteada.
* ``compat``: o que muda entre o transformers 4.46+ e o 5.x, num lugar só.
* ``training``: o que o ``Trainer`` da série usa por trás: corte e relatório da tokenização, congelamento, pesos de classe,
  precisão, o progresso em português (02).
* ``memory``: a falta de memória no treino, com uma mensagem que diz o que reduzir.
* ``trainer_callbacks``: os *callbacks* do ``Trainer`` da série: o progresso do treino em português e o modelo de
  volta a float32 depois da precisão mista (02).
* ``batching``: lotes de frases de tamanho parecido, com a ordem original de volta.
* ``metrics``: métricas de classificação, avaliação de um modelo treinado e análise de erros.
* ``sklearn_metric``: a métrica de classificação na API do ``evaluate``, calculada localmente com o scikit-learn.
* ``measure``: parâmetros, tamanho em disco e tempo na CPU de um modelo (01, 04, 05).
* ``inference``: previsões em frases novas (02, 05).
* ``production``: int8 à mão, tamanho, versões lado a lado e a tabela de produção (06).
* ``optional_packages``: os pacotes opcionais da produção (extra ``producao``): o que falta e a instalação no Colab
  sem trocar nada (06).
* ``version_metrics``: disco, latência, F1 e concordância com o float de cada versão da tabela de produção (06).
* ``variants``: as variantes do BERT lado a lado, sem baixar pesos (01).
* ``encoder_macs``: multiplicações-e-somas de uma camada do encoder, parte por parte, com a atenção desemaranhada do
  DeBERTa (01).
* ``variant_choices``: os dados da escolha prática: modelo sugerido e o porquê, por idioma, recursos e onde vai rodar
  (01).
* ``pooling``: vetores de frase de um modelo, mapas de similaridade e o explorador (03).
* ``distill``: a softmax com temperatura e a tabela dos termos da perda (04).
* ``artifacts``: pasta ``build/`` e modelos que um notebook treina e outro reaproveita.
* ``recipe_training``: o treino, com a receita do 02, do classificador que ``artifacts.classifier_for`` não achou
  salvo.
* ``prose``: frases escritas pela execução, números no formato brasileiro, intervalos.
* ``plots``: gráficos com vírgula decimal.
* ``widgets``: controles interativos que também rodam sem navegador.
* ``grading``: como um corretor roda a função do aluno nos casos e mostra, caso a caso, o que passou.
* ``checks``: os corretores dos exercícios de todos os notebooks.
* ``results``: o resultado de destaque de cada notebook.

Gerados das células marcadas com ``# @save`` (``scripts/nbsave.py``; não edite à mão, mude a célula):

* ``lesson01``: a configuração e o modelo no dispositivo ``meta`` (01).
* ``lesson02``: a tokenização, a perda ponderada e o ``make_trainer`` da receita (02).
* ``lesson03``: os poolings [CLS], média e máximo com máscara (03).
* ``lesson04``: a perda de destilação, o ``DistillationTrainer`` e o aluno copiado do professor (04).
* ``lesson06``: int8 no torchao, exportação ONNX, quantização e sessão do ONNX Runtime (06).

Os comandos em escala (os notebooks 02 e 04 em vários processos) ficam fora daqui, no pacote ``commands``.
"""

from .env import get_device, is_offline, quiet_known_noise, seed_everything, setup_notebook

quiet_known_noise()

__version__ = "0.1.0"
__all__ = ["get_device", "is_offline", "seed_everything", "setup_notebook", "__version__"]
