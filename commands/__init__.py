"""Os comandos da série, fora das aulas: os notebooks 02 e 04 em escala e as linhas de comando em português.

* ``experiments``: ``finetune`` (o notebook 02) e ``distill`` (o 04) como comandos
  (``python -m commands.experiments``, ou ``variantes-bert``), num processo ou em vários.
* ``distributed``: vários processos (``accelerate launch``, ``torchrun``): o principal, as previsões divididas
  e juntadas.
* ``cli``: uso, opções e erros em português, para os comandos, os scripts e os benchmarks.

Os comandos reaproveitam o código que os notebooks escrevem (``helpers``); nada daqui entra numa aula.
"""
