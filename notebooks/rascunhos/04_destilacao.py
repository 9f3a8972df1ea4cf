# %% [markdown] tags=["header"]
# # 04 · Destilação de conhecimento: um aluno com metade das camadas
#
# {{COLAB_BADGE}}
#
# **O que você vai aprender**
# - o que são *soft targets* e o que a **temperatura** faz com um *softmax* (Hinton et al. 2015), com um controle deslizante;
# - a perda de destilação termo a termo (soft, hard, hidden), por que o termo soft é multiplicado por **T²** e por
#   que tanto faz escrever KL ou entropia cruzada;
# - o que o DistilBERT fez **de verdade** (Sanh et al. 2019), corrigindo números e "valores típicos" que circulam por aí;
# - a escrever um `Trainer` de destilação: uma subclasse pequena, com argumentos próprios;
# - a destilar um BERT ajustado (o professor) num aluno com **metade das camadas** e a medir o que se ganha (tempo,
#   disco) e o que se perde (F1), contra um aluno treinado só com os rótulos;
# - a ler uma ablação dos três termos e uma varredura de temperatura.
#
# **Tempo estimado:** TEMPO_ESTIMADO
#
# Este é o quarto notebook da série *Variantes do BERT*: (01) as variantes, (02) fine-tuning do BERTimbau,
# (03) o que é o `pooled_output`, (04) destilação de conhecimento, (05) fine-tuning do DistilBERT.

# %%
{{SETUP}}

# %% tags=["parameters"]
# Parâmetros (o papermill pode trocar qualquer um destes)
TEACHER_MODEL = "neuralmind/bert-base-portuguese-cased"  # o professor (offline: o substituto MiniLM, 6 camadas)
STUDENT_LAYERS = None    # camadas do professor copiadas para o aluno; None = uma a cada duas (0, 2, 4, ...)
MAX_LENGTH = 128         # tokens por frase; o que passar disso é cortado
BATCH_SIZE = 16          # frases por passo de treino (se faltar memória na GPU, use 8)
TEACHER_EPOCHS = 6       # épocas do fine-tuning do professor
TEACHER_LR = None        # None = 1e-4 no substituto offline, 5e-5 no BERTimbau (online)
STUDENT_EPOCHS = 6       # épocas do aluno (destilado e linha de base, as mesmas)
STUDENT_LR = None        # None = o dobro da taxa do professor (o aluno é menor e já começa treinado)
TEMPERATURE = 2.0        # T da perda soft (2.0 é o padrão do script de destilação da Hugging Face)
ALPHA_SOFT = 0.9         # peso do termo soft (imitar o professor)
ALPHA_HARD = 0.1         # peso do termo hard (rótulos verdadeiros); baixo, como sugerem Hinton et al.
ALPHA_HIDDEN = 0.0       # peso do termo hidden (estados ocultos); 0 desliga
HIDDEN_LOSS = "cosine"   # "cosine" (como o DistilBERT) ou "mse"
RUN_ABLATION = True      # roda a ablação dos três termos e a varredura de temperatura (seção 11)
SHORT_EPOCHS = 1         # épocas de cada treino curto da seção 11
ABLATION_ALPHA_HIDDEN = 1.0            # peso do termo hidden na ablação ("três termos")
SWEEP_TEMPERATURES = (1.0, 2.0, 4.0)  # temperaturas da varredura
LATENCY_REPEATS = 10     # passagens por medida de tempo (usamos a mediana)
LATENCY_THREADS = 1      # threads da CPU nas medidas de tempo (fixo, para comparar)
SEED = 42

# %% [markdown]
# Valores que dependem dos parâmetros (não edite aqui):

# %%
from helpers import is_offline

teacher_lr = TEACHER_LR if TEACHER_LR is not None else (1e-4 if is_offline() else 5e-5)
student_lr = STUDENT_LR if STUDENT_LR is not None else 2 * teacher_lr
TEACHER_ARGS = dict(learning_rate=teacher_lr, num_train_epochs=TEACHER_EPOCHS, per_device_train_batch_size=BATCH_SIZE,
                    seed=SEED, disable_tqdm=True)
STUDENT_ARGS = {**TEACHER_ARGS, "learning_rate": student_lr, "num_train_epochs": STUDENT_EPOCHS}
print(f"professor: {TEACHER_EPOCHS} épocas, taxa {teacher_lr:g} | aluno: {STUDENT_EPOCHS} épocas, taxa {student_lr:g} | lote {BATCH_SIZE}")

# %% [markdown]
# ## 1. A ideia: aprender com as probabilidades do professor
#
# Um classificador treinado não devolve só "a classe certa": devolve uma **distribuição** sobre as classes. Para
# *"Gostei do produto, mas a entrega atrasou"*, um bom modelo diz algo como "positivo, com boa chance de neutro e
# quase nada de negativo". A ordem das classes erradas é informação: diz quais classes se parecem.
#
# Hinton, Vinyals e Dean (2015, arXiv 1503.02531) chamaram de **destilação** treinar um modelo pequeno (o
# **aluno**) para reproduzir essas distribuições de um modelo grande já treinado (o **professor**), os
# *soft targets*, em vez de só os rótulos 0/1 (os *hard targets*). O problema: um professor confiante põe quase toda
# a probabilidade numa classe, e o resto vira números minúsculos que mal pesam na perda. A saída deles foi a
# **temperatura**.
#
# ## 2. Softmax com temperatura
#
# O *softmax* transforma os *logits* `z` (as notas de cada classe, antes da normalização) em probabilidades.
# Com temperatura `T`:
#
# $$p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}$$
#
# `T = 1` é o *softmax* de sempre; `T > 1` espalha a probabilidade pelas classes; `T < 1` concentra na maior.
# Dividir todos os logits por `T` não muda a ordem das classes, só o quanto a distribuição é "dura".
# Um exemplo com três logits fixos, os de um professor para a frase acima:

# %%
# NBVAL_CHECK_OUTPUT
import numpy as np
import pandas as pd
import torch
import matplotlib.pyplot as plt

from helpers import distill

CLASSES = ["negativo", "neutro", "positivo"]
example_logits = torch.tensor([-1.0, 2.0, 4.0])   # negativo, neutro, positivo

distill.temperature_table(example_logits, [0.5, 1, 2, 4, 10], CLASSES).round(3)

# %% [markdown]
# Com `T = 1`, "positivo" leva 87% e "negativo" fica com 0,6%: quem aprende com essa distribuição quase só vê "é
# positivo". Com `T = 4`, a mesma informação aparece inteira: neutro está bem mais perto de positivo do que
# negativo. A **entropia** (em bits; o máximo com três classes é log₂3 ≈ 1,58) mede o quanto a distribuição está
# espalhada. Em gráfico:

# %%
temperatures = [0.5, 1, 2, 4, 10]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
width = 0.8 / len(temperatures)
colors = plt.cm.viridis(np.linspace(0.1, 0.9, len(temperatures)))
for k, (T, color) in enumerate(zip(temperatures, colors)):
    probs = distill.softmax_with_temperature(example_logits, T).numpy()
    ax1.bar(np.arange(3) + (k - (len(temperatures) - 1) / 2) * width, probs, width, label=f"T = {T:g}", color=color)
ax1.set_xticks(range(3), CLASSES)
ax1.set_ylabel("probabilidade")
ax1.set_title("softmax(z / T) para algumas temperaturas")
ax1.legend(fontsize=8)

grid = np.logspace(-1, 1.5, 200)
curves = np.stack([distill.softmax_with_temperature(example_logits, T).numpy() for T in grid])
for i, name in enumerate(CLASSES):
    ax2.plot(grid, curves[:, i], label=name)
ax2.axhline(1 / 3, color="gray", linestyle=":", label="uniforme (1/3)")
ax2.set_xscale("log")
ax2.set_xlabel("temperatura T (escala log)")
ax2.set_ylabel("probabilidade")
ax2.set_title("Cada classe conforme T cresce")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Quando `T → 0`, vira o *argmax* (tudo na maior classe); quando `T → ∞`, vira a distribuição uniforme, que não
# ensina nada. A destilação usa um `T` no meio do caminho.
#
# **Experimente**: arraste a temperatura (o contorno tracejado é `T = 1`, para comparar). Fora do Jupyter, a mesma
# figura é `distill.plot_softmax_temperature(example_logits, T, CLASSES)`.

# %%
distill.temperature_slider(example_logits, CLASSES, T=2.0)

# %% [markdown]
# ## 3. A perda de destilação, termo a termo
#
# Chame de `v` os logits do professor e de `z` os do aluno; `p = softmax(v/T)` e `q = softmax(z/T)`. A perda que
# vamos usar soma três termos, cada um com seu peso α:
#
# $$\mathcal{L} = \alpha_{\text{soft}}\, T^2\, \mathrm{KL}(p \,\|\, q) \;+\; \alpha_{\text{hard}}\, \mathrm{CE}\big(y, \mathrm{softmax}(z)\big) \;+\; \alpha_{\text{hidden}}\, \frac{1}{|M|}\sum_{(i,j) \in M} \big(1 - \cos(h^{\text{aluno}}_i, h^{\text{prof.}}_j)\big)$$
#
# | Termo | O que mede | Em `helpers.distill` |
# |---|---|---|
# | **soft** | distância entre as distribuições do professor e do aluno, **as duas** na temperatura `T` | `soft_target_loss` |
# | **hard** | a entropia cruzada de sempre com o rótulo verdadeiro `y`, na temperatura 1 | `F.cross_entropy` |
# | **hidden** | quanto os vetores internos do aluno (camada `i`) apontam para outro lado que os do professor (camada `j`), token a token, nos pares `M` | `hidden_state_loss` |
#
# No termo hidden, o cosseno só olha a **direção** dos vetores (o DistilBERT usou assim); a alternativa `"mse"`
# compara também o tamanho. Os pares `M` dizem qual camada do aluno imita qual do professor (seção 7).
#
# ### Por que `T²`?
#
# Hinton et al. (2015, seção 2) mostram que os gradientes do termo soft encolhem como `1/T²`: derivando,
# `∂ CE(p, q) / ∂z_i = (q_i − p_i) / T`, e para `T` grande `q_i − p_i ≈ (z_i − v_i) / (N·T)` (N classes, logits de
# média zero). Sem compensar, subir a temperatura de 2 para 4 dividiria por 4 o peso efetivo do termo soft
# diante do hard. Multiplicar por `T²` mantém a proporção entre os termos quando você mexe em `T`. Medindo, com
# logits fixos (lote de 2, três classes):

# %%
# NBVAL_CHECK_OUTPUT
student_logits = torch.tensor([[1.0, -0.5, -0.5], [0.2, 0.3, -0.5]])
teacher_logits = torch.tensor([[0.5, 0.5, -1.0], [-0.4, 0.6, -0.2]])

rows = []
for T in [1, 2, 4, 8, 16]:
    z = student_logits.clone().requires_grad_(True)
    distill.soft_target_loss(z, teacher_logits, T).backward()   # com o fator T²
    with_T2 = z.grad.norm().item()
    without_T2 = with_T2 / T**2                                  # o mesmo gradiente, sem o fator
    rows.append({"T": T, "‖gradiente‖ sem T²": without_T2, "‖gradiente‖ com T²": with_T2})
pd.DataFrame(rows).set_index("T").round(4)

# %% [markdown]
# Sem o fator, o gradiente cai cerca de 4× cada vez que `T` dobra; com o fator, estabiliza num valor perto de
# `‖z − v‖ / (N · lote)`, como a conta prevê.
#
# ### KL ou entropia cruzada?
#
# O artigo do DistilBERT escreve o termo soft como uma entropia cruzada com os *soft targets*; o código publicado
# pela Hugging Face usa a divergência KL. As duas diferem por uma constante:
#
# $$\mathrm{KL}(p\,\|\,q) = \underbrace{-\sum_i p_i \log q_i}_{\mathrm{CE}(p,\,q)} - \underbrace{\Big(-\sum_i p_i \log p_i\Big)}_{H(p),\ \text{entropia do professor}}$$
#
# `H(p)` só depende do professor, que está congelado; então os **gradientes no aluno são os mesmos**. A vantagem da
# KL é o valor: ela vale zero quando o aluno acerta a distribuição inteira, o que deixa o número legível. Conferindo:

# %%
# NBVAL_CHECK_OUTPUT
T = 2.0
p = torch.softmax(teacher_logits / T, dim=-1)

z_kl = student_logits.clone().requires_grad_(True)
kl = distill.soft_target_loss(z_kl, teacher_logits, T) / T**2
kl.backward()

z_ce = student_logits.clone().requires_grad_(True)
ce = -(p * torch.log_softmax(z_ce / T, dim=-1)).sum(dim=-1).mean()
ce.backward()

entropy = -(p * p.log()).sum(dim=-1).mean()
print(f"CE(p, q) = {ce.item():.4f}   H(p) = {entropy.item():.4f}   CE − H = {ce.item() - entropy.item():.4f}   KL = {kl.item():.4f}")
print(f"maior diferença entre os gradientes: {(z_kl.grad - z_ce.grad).abs().max().item():.1e}")

# %% [markdown]
# Mesmos gradientes, valores deslocados pela entropia do professor.
#
# ## 4. O que o DistilBERT fez de verdade
#
# O material de origem desta série descreve a perda do DistilBERT como "soft + hard + L2 nos estados ocultos", com
# "valores típicos" e números de velocidade. Várias dessas frases estão soltas. O que o artigo (Sanh et al. 2019,
# arXiv 1910.01108) e o código publicado dizem:
#
# | O material dizia | O que está no artigo ou no código |
# |---|---|
# | termo hard = erro de classificação com os rótulos | o termo supervisionado do DistilBERT é o **MLM** (prever palavras mascaradas): a destilação acontece no **pré-treino**, sem rótulos de tarefa. O aluno é um modelo de uso geral, ajustado depois como qualquer BERT |
# | termo hidden = distância L2, `‖h_t − h_s‖²` | **perda de cosseno** (*cosine embedding loss*), que alinha a **direção** dos vetores; no script da Hugging Face (`distiller.py`), só entre os estados da **última** camada |
# | termo soft = entropia cruzada com `T > 1` | certo: entropia cruzada com os *soft targets*, mesma `T` no aluno e no professor e `T = 1` na inferência. O script implementa como KL (*batchmean*) × `T²`, como aqui |
# | "valores típicos: T = 2, α = 0,5 / 0,5 / 1,0" | **o artigo não dá nem T nem os pesos**. No script de treino (`train.py`), o padrão é `T = 2.0`, mas os pesos padrão são `alpha_ce = 0.5`, `alpha_clm = 0.5` (o CLM é para o DistilGPT-2) e `alpha_cos = 0.0`. O comando do README para o DistilBERT usa `--alpha_ce 5.0 --alpha_mlm 2.0 --alpha_cos 1.0`, e Victor Sanh confirmou que foram esses os pesos do modelo publicado (issue huggingface/transformers#2013). A combinação 0,5/0,5/1,0 não aparece em nenhum dos dois |
# | aluno = camadas 2, 4, 6, 8, 10 e 12 do BERT | o artigo diz "uma camada a cada duas"; o script de extração (`scripts/extract_distilbert.py`) copia as camadas **0, 2, 4, 7, 9 e 11** (contando do zero), ou seja, guarda a primeira e a última |
# | "2× mais rápido na inferência" | **60% mais rápido**: 410 s contra 668 s para rodar o STS-B numa CPU, lote 1 (tabela 3 do artigo), ≈ **1,6×** |
# | "60% menos custo computacional" | o artigo não diz isso; os números são 40% menos parâmetros e 60% mais rápido |
# | "97% da acurácia do BERT-base" | **97% da pontuação do GLUE** (média das tarefas, que usam métricas diferentes), não de uma acurácia |
# | 66M contra 110M parâmetros, 40% menor | certo |
#
# Dois pontos mais do artigo: o aluno perde os *token-type embeddings* e o *pooler* (e a tarefa NSP); e, na ablação
# (tabela 4), tirar o termo soft ou o de cosseno custa mais do que tirar o MLM, e começar de pesos aleatórios em vez
# das camadas do professor é o que mais custa.
#
# *O que conferimos e como:* os valores de `train.py`, o comando do README, a perda em `distiller.py` e as camadas
# de `extract_distilbert.py` foram lidos no código da Hugging Face (`examples/research_projects/distillation`); a
# resposta sobre os pesos está na issue #2013 do `transformers`, e a issue #3206 registra que o artigo não publica
# pesos nem temperatura. Os números de tamanho, velocidade e GLUE são os do artigo.
#
# **Aqui vamos fazer outra coisa**, mais próxima de Hinton: destilar um classificador **já ajustado** na nossa tarefa
# (avaliações com três classes) num aluno menor, com os três termos acima. O termo hard usa os rótulos de verdade.
#
# ## 5. O `DistillationTrainer`
#
# O `Trainer` do `transformers` já faz o laço de treino, o otimizador, o agendamento da taxa de aprendizado e a
# precisão mista. Para destilar, basta trocar **uma** coisa: como a perda é calculada. A subclasse
# `distill.DistillationTrainer` recebe argumentos próprios (`teacher`, `temperature`, `alpha_soft`, `alpha_hard`,
# `alpha_hidden`, `hidden_loss`, `layer_map`) e reescreve só o `compute_loss`:

# %%
import inspect

print(inspect.getsource(distill.DistillationTrainer.compute_loss))

# %% [markdown]
# Três cuidados com o professor, feitos no `__init__`: ele vai para o **mesmo dispositivo** do aluno, fica em
# **modo de avaliação** (sem *dropout*: os *soft targets* não podem mudar a cada passo) e com os pesos
# **congelados**; e a passagem por ele roda sob `torch.no_grad()`, sem guardar nada para o gradiente.
#
# ## 6. Os dados e o professor
#
# O conjunto embutido da série: avaliações em português com três classes.

# %%
from transformers import AutoModelForSequenceClassification

from helpers import data as data_helpers
from helpers import hub, metrics, training
from helpers.env import seed_everything

dataset = data_helpers.load_embedded()
tokenizer = hub.load_tokenizer(TEACHER_MODEL)
tokenized, cut_report = training.tokenize_splits(dataset.splits, tokenizer, max_length=MAX_LENGTH)
compute_metrics = metrics.make_compute_metrics(dataset.labels)
dataset.summary()

# %% [markdown]
# O professor é o modelo do notebook 02: o BERT com uma cabeça de classificação, ajustado nos dados de treino. Online
# é o BERTimbau-base (12 camadas); offline, o substituto MiniLM (6 camadas, dimensão 384).
#
# *Isto leva alguns minutos na CPU (é o treino mais longo do notebook); com GPU, menos de um minuto.*

# %%
seed_everything(SEED)
teacher = hub.load_model(TEACHER_MODEL, AutoModelForSequenceClassification, num_labels=dataset.num_labels,
                         id2label=dataset.id2label, label2id=dataset.label2id)
teacher_trainer = training.make_trainer(teacher, tokenizer, tokenized["train"], output_dir="build/04/professor",
                                        **TEACHER_ARGS)
teacher_trainer.train()
training.history_frame(teacher_trainer.state.log_history)

# %% [markdown]
# Avaliamos no **teste** (a nota que vai para a tabela final) e também na **validação**: com 258 avaliações em cada
# split, a diferença entre os dois dá uma ideia do ruído da medida.

# %%
def scores(trainer):
    """Acurácia e F1 macro no teste, e o F1 macro na validação."""
    test = distill.scores_on(trainer, tokenized["test"], dataset.labels)
    validation = distill.scores_on(trainer, tokenized["validation"], dataset.labels)
    return {**test, "F1 macro (validação)": validation["F1 macro"]}


teacher_scores = scores(teacher_trainer)
pd.Series(teacher_scores, name="professor").round(3).to_frame()

# %% [markdown]
# ## 7. O aluno: metade das camadas, copiadas do professor
#
# Como no DistilBERT, o aluno tem a mesma largura do professor e **metade das camadas**, e começa com os pesos do
# próprio professor: as embeddings, **uma camada a cada duas**, e aqui também o *pooler* e o classificador (a cabeça
# de `BertForSequenceClassification` classifica a partir do *pooler*, então o guardamos; o DistilBERT não tem).

# %%
n_teacher_layers = teacher.config.num_hidden_layers
layers = tuple(STUDENT_LAYERS) if STUDENT_LAYERS is not None else tuple(range(0, n_teacher_layers, 2))
layer_map = distill.uniform_layer_map(len(layers), n_teacher_layers)
print(f"camadas do professor copiadas para o aluno: {layers}")
print(f"pares (aluno, professor) do termo hidden, em hidden_states: {layer_map}")

# %% [markdown]
# Os pares do termo hidden indexam `hidden_states` (o índice 0 é a saída das embeddings, `k` a saída da camada `k`):
# a saída da 1ª camada do aluno deve se parecer com a da 2ª do professor, e assim por diante. Cada camada do aluno
# passa a fazer o trabalho de duas.
#
# Construindo o aluno e comparando os tamanhos:

# %%
# NBVAL_CHECK_OUTPUT
student_init = distill.init_student_from_teacher(teacher, layers)
sizes = pd.DataFrame({
    "camadas": [teacher.config.num_hidden_layers, student_init.config.num_hidden_layers],
    "parâmetros (M)": [distill.count_parameters(teacher) / 1e6, distill.count_parameters(student_init) / 1e6],
    "nas embeddings (M)": [distill.count_parameters(m.bert.embeddings) / 1e6 for m in (teacher, student_init)],
}, index=["professor", "aluno"]).round(2)
sizes

# %% [markdown]
# O aluno perde metade das camadas, mas **não** metade dos parâmetros: a tabela de embeddings (uma linha por token do
# vocabulário) fica inteira, e num modelo estreito ela é boa parte do total. No BERT-base, as embeddings são ~24M de
# 110M, e cortar 6 das 12 camadas dá os 66M do DistilBERT (40% a menos). O tempo de uma passagem, esse sim, depende
# quase só das camadas (seção 10).
#
# Sem treino nenhum, quanto o aluno acerta? As camadas 1, 3 e 5 sumiram, e cada camada que ficou recebe uma entrada
# diferente da que viu no treino do professor:

# %%
student_init_trainer = training.make_trainer(student_init, tokenizer, tokenized["train"], output_dir="build/04/aluno_inicial")
pd.Series(scores(student_init_trainer), name="aluno sem treino").round(3).to_frame()

# %% [markdown]
# ## 8. Destilando o aluno
#
# Agora, o treino com os três termos. Cada aluno parte de uma **cópia** de `student_init`, então o destilado e a linha
# de base começam exatamente iguais.

# %%
import copy

seed_everything(SEED)
student = copy.deepcopy(student_init)
distil_trainer = distill.make_distillation_trainer(
    student, teacher, tokenizer, tokenized["train"], output_dir="build/04/aluno_destilado",
    temperature=TEMPERATURE, alpha_soft=ALPHA_SOFT, alpha_hard=ALPHA_HARD, alpha_hidden=ALPHA_HIDDEN,
    hidden_loss=HIDDEN_LOSS, layer_map=layer_map, **STUDENT_ARGS)
distil_trainer.train()
distill.loss_terms_frame(distil_trainer.state.log_history).round(4)

# %% [markdown]
# A tabela mostra cada termo **sem** o peso α (a coluna `total` já é a soma com os pesos). O termo soft cai rápido:
# o aluno aprende a reproduzir o professor. O termo hard cai mais devagar e não chega a zero, porque o professor
# também erra no treino, e o aluno está imitando o professor.

# %%
student_scores = scores(distil_trainer)
pd.Series(student_scores, name="aluno destilado").round(3).to_frame()

# %% [markdown]
# ## 9. A linha de base: o mesmo aluno, só com os rótulos
#
# Para saber se a destilação ajudou, treinamos **o mesmo aluno inicial**, com as mesmas épocas, taxa e lotes, só
# com a entropia cruzada dos rótulos (o fine-tuning de sempre, `make_trainer`):

# %%
seed_everything(SEED)
baseline = copy.deepcopy(student_init)
baseline_trainer = training.make_trainer(baseline, tokenizer, tokenized["train"], output_dir="build/04/aluno_rotulos",
                                         **STUDENT_ARGS)
baseline_trainer.train()
baseline_scores = scores(baseline_trainer)
pd.Series(baseline_scores, name="aluno só com rótulos").round(3).to_frame()

# %% [markdown]
# ## 10. O que se ganha e o que se perde
#
# Medimos, para o professor e o aluno: parâmetros, tamanho dos pesos em disco (float32) e o tempo de uma passagem na
# **CPU**, com lote de 1 frase e de 32 frases do teste (já tokenizadas; mediana de `LATENCY_REPEATS` passagens,
# `LATENCY_THREADS` *thread*, medidas intercaladas entre os modelos). O aluno só com rótulos tem a mesma arquitetura
# do aluno destilado: mesmos números de tamanho e de tempo.
#
# *Tempo medido nesta máquina: os números mudam de computador para computador; a proporção entre os modelos muda pouco.*

# %%
efficiency = distill.efficiency_table({"professor": teacher, "aluno": student}, tokenizer,
                                      dataset["test"]["text"][:32], batch_sizes=(1, 32),
                                      repeats=LATENCY_REPEATS, threads=LATENCY_THREADS, max_length=MAX_LENGTH)
rows = {"professor": ("professor", teacher_scores), "aluno destilado": ("aluno", student_scores),
        "aluno só com rótulos": ("aluno", baseline_scores)}
comparison = pd.DataFrame({name: {**efficiency.loc[arch].to_dict(), **s} for name, (arch, s) in rows.items()}).T
comparison["% do F1 do professor"] = 100 * comparison["F1 macro"] / teacher_scores["F1 macro"]
comparison["camadas"] = comparison["camadas"].astype(int)
comparison = comparison.rename(columns={"acurácia": "acurácia (teste)", "F1 macro": "F1 macro (teste)"})
comparison.round({"parâmetros (M)": 1, "disco (MB)": 1, "lote 1 (ms)": 1, "lote 32 (ms)": 1, "acurácia (teste)": 3,
                  "F1 macro (teste)": 3, "F1 macro (validação)": 3, "% do F1 do professor": 1})

# %%
speedup_1 = efficiency.loc["professor", "lote 1 (ms)"] / efficiency.loc["aluno", "lote 1 (ms)"]
speedup_32 = efficiency.loc["professor", "lote 32 (ms)"] / efficiency.loc["aluno", "lote 32 (ms)"]
retention = student_scores["F1 macro"] / teacher_scores["F1 macro"]

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
names = [name.replace(" ", "\n", 1) for name in comparison.index]
palette = ["#264653", "#2a9d8f", "#e9c46a"]
for ax, column, title in zip(axes, ["F1 macro (teste)", "lote 32 (ms)", "disco (MB)"],
                             ["F1 macro no teste (maior é melhor)", "tempo na CPU, lote 32 (ms)", "pesos em disco (MB)"]):
    bars = ax.bar(names, comparison[column], color=palette)
    ax.bar_label(bars, fmt="%.3f" if column.startswith("F1") else "%.0f", padding=2)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelsize=8)
    ax.margins(y=0.15)
fig.suptitle(f"Aluno destilado: {100 * retention:.0f}% do F1 do professor, {speedup_32:.2f}× mais rápido (lote 32)")
fig.tight_layout()
plt.show()

# %% [markdown]
# RESULTADO_PRINCIPAL
#
# ## 11. Ablação dos três termos e varredura de temperatura
#
# Qual termo está fazendo o trabalho? Repetimos a destilação tirando um termo de cada vez (como a tabela 4 do artigo
# do DistilBERT), e depois variamos `T`. Para caber no tempo do notebook, estes treinos são **curtos**
# (`SHORT_EPOCHS` época cada, não `STUDENT_EPOCHS`) e são medidos na **validação**: escolher hiperparâmetros olhando o
# teste seria usar o teste como treino. Compare os treinos curtos entre si, não com a tabela da seção 10.

# %%
def short_distillation(temperature, alpha_soft, alpha_hard, alpha_hidden):
    """Destila uma cópia do aluno inicial por SHORT_EPOCHS época(s); devolve o F1 macro na validação."""
    seed_everything(SEED)
    trainer = distill.make_distillation_trainer(
        copy.deepcopy(student_init), teacher, tokenizer, tokenized["train"], output_dir="build/04/curto",
        temperature=temperature, alpha_soft=alpha_soft, alpha_hard=alpha_hard, alpha_hidden=alpha_hidden,
        hidden_loss=HIDDEN_LOSS, layer_map=layer_map, **{**STUDENT_ARGS, "num_train_epochs": SHORT_EPOCHS})
    trainer.train()
    return distill.scores_on(trainer, tokenized["validation"], dataset.labels)["F1 macro"]


if RUN_ABLATION:
    full = dict(alpha_soft=ALPHA_SOFT, alpha_hard=ALPHA_HARD, alpha_hidden=ABLATION_ALPHA_HIDDEN)
    variants = {"três termos": full,
                "sem soft": {**full, "alpha_soft": 0.0},
                "sem hard": {**full, "alpha_hard": 0.0},
                "sem hidden": {**full, "alpha_hidden": 0.0}}
    ablation = pd.Series({name: short_distillation(TEMPERATURE, **alphas) for name, alphas in variants.items()},
                         name="F1 macro (validação)")
    sweep = pd.Series({T: (ablation["sem hidden"] if T == TEMPERATURE else
                           short_distillation(T, ALPHA_SOFT, ALPHA_HARD, 0.0)) for T in SWEEP_TEMPERATURES},
                      name="F1 macro (validação)")
    display(ablation.round(3).to_frame())

# %% [markdown]
# Na varredura, os pesos são os do treino principal sem o termo hidden (`ALPHA_SOFT`, `ALPHA_HARD`); o ponto
# `T = TEMPERATURE` é o treino "sem hidden" da ablação, reaproveitado.

# %%
if RUN_ABLATION:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
    bars = ax1.barh(ablation.index[::-1], ablation.values[::-1], color="#2a9d8f")
    ax1.bar_label(bars, fmt="%.3f", padding=3)
    ax1.set_xlim(0, 1)
    ax1.set_xlabel("F1 macro na validação")
    ax1.set_title(f"Ablação ({SHORT_EPOCHS} época, T = {TEMPERATURE:g})", fontsize=10)
    ax2.plot(sweep.index, sweep.values, "o-", color="#264653")
    for T, f1 in sweep.items():
        ax2.annotate(f"{f1:.3f}", (T, f1), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(list(sweep.index), [f"{T:g}" for T in sweep.index])
    ax2.set_xlabel("temperatura T")
    ax2.set_ylabel("F1 macro na validação")
    ax2.set_title(f"Varredura de temperatura ({SHORT_EPOCHS} época)", fontsize=10)
    ax2.margins(y=0.25)
    fig.tight_layout()
    plt.show()

# %% [markdown]
# LEITURA_ABLACAO
#
# ## Resumo
#
# - **Destilação** treina um aluno para reproduzir as **distribuições** de um professor já treinado (*soft targets*),
#   não só os rótulos. A **temperatura** `T > 1` espalha essas distribuições e deixa visível o que o professor sabe
#   sobre as classes erradas.
# - O termo soft é `T² · KL(p_T ‖ q_T)`: o `T²` compensa os gradientes, que encolhem como `1/T²`; KL e entropia
#   cruzada diferem pela entropia do professor, uma constante, e dão os mesmos gradientes.
# - O DistilBERT (arXiv 1910.01108) destilou no **pré-treino**: soft + **MLM** + **cosseno** nos estados ocultos,
#   aluno com uma camada a cada duas do professor, sem *token-type embeddings* nem *pooler*. Resultado publicado:
#   40% menos parâmetros, 60% mais rápido (≈ 1,6× na CPU, não 2×), 97% da pontuação do GLUE. O artigo não publica
#   `T` nem os pesos; os do modelo lançado foram 5,0 / 2,0 / 1,0 (soft / MLM / cosseno).
# - Metade das camadas corta o **tempo** quase pela metade, mas não metade dos **parâmetros**: as embeddings ficam.
# - RESUMO_RESULTADO
#
# ## Exercícios
#
# 1. **(corrigido automaticamente)** Escreva `soft_loss(student_logits, teacher_logits, T)`: a perda soft,
#    `T² · KL(softmax(teacher/T) ‖ softmax(student/T))`, somada nas classes e dividida pelo número de exemplos do lote.
#    Os logits têm forma (exemplos, classes). Dica: `torch.log_softmax` é mais estável que `torch.log(torch.softmax(...))`.

# %%
def soft_loss(student_logits, teacher_logits, T):
    # Escreva sua solução aqui
    raise NotImplementedError


distill.check_soft_loss(soft_loss);

# %% [markdown]
# 2. Troque `HIDDEN_LOSS` para `"mse"` e rode a seção 11 de novo. O termo hidden ajuda mais ou menos? Olhe também os
#    valores da coluna `hidden` na tabela da seção 8: por que a escala do MSE é tão diferente da do cosseno?
# 3. Use `STUDENT_LAYERS = (0, 1, 2)` (as três primeiras camadas) e depois `(3, 4, 5)`. Qual aluno começa melhor (o
#    F1 "sem treino" da seção 7)? Qual termina melhor depois da destilação?
# 4. Com `ALPHA_HARD = 0` o aluno nunca vê um rótulo. Ainda assim ele aprende a tarefa? De onde vem o que ele sabe?
# 5. Meça o tempo com `LATENCY_THREADS = 2` e com lotes maiores. A aceleração do aluno chega a 2×? Por que ela é
#    menor no lote 1? (Dica: o que, numa passagem, não depende do número de camadas?)
#
# ## Resultado de destaque

# %%
import helpers.results

helpers.results.headline("04_destilacao", **{
    "retenção do F1 do professor": round(float(retention), 3),
    "aceleração na CPU, lote 32 (×)": round(float(speedup_32), 2),
    "F1 macro professor": round(teacher_scores["F1 macro"], 3),
    "F1 macro aluno destilado": round(student_scores["F1 macro"], 3),
    "F1 macro aluno só com rótulos": round(baseline_scores["F1 macro"], 3),
})
