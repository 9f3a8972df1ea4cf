"""Os *callbacks* do ``Trainer`` da série: o progresso do treino em português e o modelo de volta a
float32 no fim de um treino em precisão mista (o ``training`` os põe no ``Trainer``)."""

from __future__ import annotations

from transformers import TrainerCallback


def restore_plain_forward(model):
    """Tira do ``model.forward`` o ``autocast`` que o ``accelerate`` pendura nele no treino em bf16/fp16 (GPU).

    Sem isso, depois de um treino com precisão mista o modelo continua rodando em bf16 ou fp16 em
    qualquer chamada (inferência, medidas de tempo, logits do professor); com isso, volta a ser o
    modelo de sempre, em float32, como se tivesse sido salvo e carregado de novo.
    """
    original = model.__dict__.pop("_original_forward", None) if model is not None else None
    if original is not None:
        if getattr(original, "__func__", None) is type(model).forward:
            model.__dict__.pop("forward", None)  # volta o forward da classe
        else:
            model.forward = original
    return model


class PlainForwardAfterTraining(TrainerCallback):
    """No fim do treino, chama :func:`restore_plain_forward` no modelo do ``Trainer``."""

    def on_train_end(self, args, state, control, model=None, **kwargs):
        restore_plain_forward(model)


class SeriesProgress(TrainerCallback):
    """Progresso do treino em português: uma barra de passos e, a cada época, uma linha de tabela.

    Substitui os dicionários de log em inglês que o ``Trainer`` imprime (``{'loss': '0.95', ...}``). As
    linhas saem quando a época fecha: depois da avaliação, ou depois do log de treino quando não há
    avaliação. Um treino curto, contado em passos (``max_steps``), mostra só a barra; fora do treino (um
    ``trainer.evaluate()`` avulso) nada é impresso: quem chamou mostra o resultado.
    """

    COLUMNS = {
        "loss": "perda treino",
        "soft": "soft",
        "hard": "hard",
        "hidden": "hidden",
        "eval_loss": "perda validação",
        "eval_accuracy": "acurácia",
        "eval_f1_macro": "F1 macro",
        "eval_f1_weighted": "F1 ponderado",
    }

    def __init__(self):
        self.bar, self.row, self.header = None, {}, None

    def on_train_begin(self, args, state, control, **kwargs):
        from tqdm.auto import tqdm

        self.row, self.header = {}, None
        self.bar = tqdm(
            total=state.max_steps,
            desc="treino",
            leave=False,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} passos [{elapsed}<{remaining}]",
            disable=args.disable_tqdm or not state.is_world_process_zero,
        )

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.bar is None or not state.is_world_process_zero or not logs or args.max_steps > 0:
            return
        self.row.update({name: logs[key] for key, name in self.COLUMNS.items() if key in logs})
        evaluates = getattr(args, "eval_strategy", "no") != "no"  # IntervalStrategy é um str
        if "eval_loss" in logs or ("loss" in logs and not evaluates):
            self.write(logs.get("epoch", state.epoch))

    def write(self, epoch) -> None:
        from .prose import num

        epoch = f"{epoch:.0f}" if abs(epoch - round(epoch)) < 1e-6 else num(epoch, 2)
        if self.header is None:
            self.header = [name for name in self.COLUMNS.values() if name in self.row]
            self.bar.write("época  " + "  ".join(self.header))
        cells = [
            num(self.row[name]).rjust(len(name)) if name in self.row else "—".rjust(len(name))
            for name in self.header
        ]
        self.bar.write(epoch.rjust(5) + "  " + "  ".join(cells))
        self.row = {}

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
        self.bar = None
