"""The training loop and the training CLI: dry runs of every kind, resuming, divergence, DDP."""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys

import pytest
import torch

import gan_demo.train
from gan_demo import data
from gan_demo.data.toy import toy_distribution
from gan_demo.families.gan.family import GANRecipe
from gan_demo.families.gan.model import minibatch_stddev
from gan_demo.families.text import TextToImage
from gan_demo.families.text.family import TextRecipe
from gan_demo.families.text.generate import generate
from gan_demo.hub import load_folder
from gan_demo.registry import create_model, families_with, get_family
from gan_demo.train import main as train_main
from gan_demo.training import SupervisedTrainer
from gan_demo.training.checkpoint import load_checkpoint, save_checkpoint
from gan_demo.training.gan import DivergenceError, GANConfig, GANTrainer, tensor_sampler
from gan_demo.training.losses import discriminator_loss, generator_loss, value_function
from tests.helpers import write_fake_dataset

RECORD_KEYS = {"step", "loss_d", "loss_g", "d_real", "d_fake", "value", "grad_g"}


@pytest.fixture
def fake_fashion(tmp_path, monkeypatch):
    """A tiny Fashion-MNIST stand-in so dry runs take seconds."""
    monkeypatch.setenv("GAN_DEMO_FASHION_DIR", str(write_fake_dataset(tmp_path / "fashion", n_train=96)))
    data.load_split.cache_clear()
    yield tmp_path
    data.load_split.cache_clear()


def tiny_trainer(g_loss="non-saturating", lr=2e-4, seed=0, conditional=False, aux_weight=0.0) -> GANTrainer:
    with torch.random.fork_rng():  # weight init is seeded too, without touching the caller's RNG
        torch.manual_seed(seed)
        G = create_model("cgan.generator" if conditional else "gan.generator", latent_dim=8, width=4)
        D = (create_model("cgan.discriminator", width=4, aux_classifier=aux_weight > 0) if conditional
             else create_model("gan.discriminator", width=4))
    x = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = torch.arange(32) % 10
    cfg = GANConfig(g_loss=g_loss, lr_d=lr, lr_g=lr, batch_size=8, seed=seed, aux_weight=aux_weight)
    return GANTrainer(G, D, tensor_sampler(x, y if conditional else None), cfg, num_classes=10 if conditional else 0)


def test_losses_at_the_equilibrium():
    """With D = 1/2 everywhere (logit 0): V = -2 log 2, BCE loss of D = 2 log 2, NS loss of G = log 2."""
    zero = torch.zeros(16)
    assert value_function(zero, zero).item() == pytest.approx(-2 * math.log(2))
    assert discriminator_loss(zero, zero, "minimax").item() == pytest.approx(2 * math.log(2))
    assert generator_loss(zero, "non-saturating").item() == pytest.approx(math.log(2))
    assert generator_loss(zero, "minimax").item() == pytest.approx(-math.log(2))


@pytest.mark.parametrize("g_loss", ["minimax", "non-saturating", "hinge"])
@pytest.mark.parametrize("conditional", [False, True])
def test_run_yields_finite_records(g_loss, conditional):
    records = list(tiny_trainer(g_loss, conditional=conditional).run(3))
    assert [r["step"] for r in records] == [1, 2, 3]
    for r in records:
        assert set(r) == RECORD_KEYS and all(math.isfinite(v) for v in r.values())
        assert 0 <= r["d_real"] <= 1 and 0 <= r["d_fake"] <= 1


def test_auxiliary_class_loss_trains_the_class_head_and_changes_the_run():
    """AC-GAN term: the discriminator's class head learns, and the generator's loss includes it."""
    aux = tiny_trainer(conditional=True, aux_weight=1.0, lr=1e-2)
    head = aux.D.classify.weight.detach().clone()
    aux_records = list(aux.run(3))
    assert not torch.equal(head, aux.D.classify.weight)
    plain_records = list(tiny_trainer(conditional=True, lr=1e-2).run(3))
    assert all(math.isfinite(v) for r in aux_records for v in r.values())
    # same seed and weights, only the class loss differs: the generator losses are larger by that term
    assert aux_records[0]["loss_g"] > plain_records[0]["loss_g"]


def test_class_logits_need_an_auxiliary_head():
    D = create_model("cgan.discriminator", width=4)
    x, y = torch.zeros(2, 1, 28, 28), torch.tensor([0, 1])
    with pytest.raises(ValueError, match="aux_classifier=True"):
        D(x, y, with_classes=True)
    logits, classes = create_model("cgan.discriminator", width=4, aux_classifier=True)(x, y, with_classes=True)
    assert logits.shape == (2,) and classes.shape == (2, 10)
    with pytest.raises(ValueError, match="aux_weight"):
        GANConfig(aux_weight=-1)


def test_a_zero_learning_rate_is_refused_not_replaced_by_lr():
    """--lr-d 0 is a value, not "unset": the run must refuse it rather than quietly train D at --lr."""
    family = get_family("gan")
    args = argparse.Namespace(k_disc=1, g_loss="hinge", lr=2e-4, lr_d=0.0, lr_g=None, beta1=0.0, beta2=0.9,
                              batch_size=8, ema_decay=0.0, seed=0)
    with pytest.raises(ValueError, match=r"learning rates must be > 0, got lr_d=0.0 and lr_g=0.0002"):
        family.recipe.config(args)
    assert family.recipe.config(argparse.Namespace(**{**vars(args), "lr_d": 1e-3})).lr_d == 1e-3


def test_same_seed_same_run():
    a = [r["loss_d"] for r in tiny_trainer(seed=3).run(3)]
    b = [r["loss_d"] for r in tiny_trainer(seed=3).run(3)]
    assert a == b


def test_divergence_stops_with_a_message():
    """Plain SGD with a huge learning rate on the 2-D ring: the losses overflow within a few steps."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        G, D = create_model("toy-gan.generator", latent_dim=2, hidden=32), create_model("toy-gan.discriminator", hidden=32)
    ring = toy_distribution("ring")
    cfg = GANConfig(g_loss="non-saturating", optimizer="sgd", lr_d=100.0, lr_g=100.0, batch_size=64, ema_decay=0)
    trainer = GANTrainer(G, D, lambda n, rng: (ring.sample(n, rng), None), cfg)
    with pytest.raises(DivergenceError, match="diverged at step"):
        for _ in trainer.run(200):
            pass


def test_checkpoint_round_trip_resumes_the_same_stream(tmp_path):
    a = tiny_trainer(seed=5)
    list(a.run(2))
    save_checkpoint(a.state_dict(), tmp_path / "ck.safetensors")
    after_a = [r["loss_d"] for r in a.run(2)]
    b = tiny_trainer(seed=99)
    b.load_state_dict(load_checkpoint(tmp_path / "ck.safetensors"))
    assert b.step == 2
    assert [r["loss_d"] for r in b.run(2)] == pytest.approx(after_a)


TRAINABLE = [f.name for f in families_with("recipe") if f.datasets]


@pytest.mark.parametrize("kind", [*TRAINABLE, "cgan-aux", "gan-mbstd"])
def test_cli_dry_run_of_every_family(kind, fake_fashion):
    out = fake_fashion / "weights" / kind
    extra = {"cgan-aux": ["--aux-weight", "1"], "gan-mbstd": ["--mbstd-group", "4"],
             "text": ["--channels", "8", "16", "--prior-width", "16", "--prior-steps", "1"]}.get(kind, [])
    if kind in ("text", "text-flow"):  # the pipeline builds on a trained CLIP: make a tiny one first
        clip = fake_fashion / "weights" / "clip"
        train_main(["clip", "--dataset", "fashion", "--steps", "2", "--batch-size", "8", "--width", "8", "--out", str(clip),
                    "--checkpoint-dir", str(fake_fashion / "ck" / "clip")])
        extra += ["--clip", str(clip)]
    if kind == "text-flow":  # and the flow decoder on a finished pipeline's CLIP and prior
        first = fake_fashion / "weights" / "first"
        train_main(["text", "--dataset", "fashion", "--steps", "2", "--batch-size", "8", "--channels", "8", "16",
                    "--prior-width", "16", "--clip", str(clip), "--out", str(first),
                    "--checkpoint-dir", str(fake_fashion / "ck" / "first")])
        extra = ["--channels", "8", "16", "--prior-from", str(first)]
    kind = kind.removesuffix("-aux").removesuffix("-mbstd")
    train_main([kind, "--dataset", "fashion", "--steps", "3", "--batch-size", "8", "--width", "4", *extra,
                "--out", str(out), "--checkpoint-dir", str(fake_fashion / "ck" / kind), "--preview-every", "3"])
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    checkpoint = load_checkpoint(fake_fashion / "ck" / kind / "checkpoint.safetensors")
    loaded = load_folder(get_family(kind).model_class, out)  # what was saved is what the family loads, strictly
    saved = checkpoint["joint"]["model"] if kind.startswith("text") else checkpoint.get("G_ema", checkpoint.get("model"))
    assert loaded.state_dict().keys() == saved.keys()
    if isinstance(get_family(kind).recipe, GANRecipe):  # GAN runs draw their fixed noise batch as they go
        assert (fake_fashion / "ck" / kind / "preview_000003.png").is_file()


def test_a_new_prior_for_a_finished_pipeline_keeps_its_clip_and_decoder(fake_fashion, capsys):
    """--decoder-from: every step trains a fresh prior (with --attribute-p's captions); CLIP, decoder, prediction and
    everything but the prior are the finished pipeline's, bit for bit; the new scales are saved."""
    weights, ck = fake_fashion / "weights", fake_fashion / "ck"
    train_main(["clip", "--dataset", "fashion", "--steps", "2", "--batch-size", "8", "--width", "8",
                "--out", str(weights / "clip"), "--checkpoint-dir", str(ck / "clip")])
    tiny = ["--dataset", "fashion", "--batch-size", "8", "--channels", "8", "16", "--prior-width", "16"]
    train_main(["text", *tiny, "--steps", "2", "--prediction", "sample", "--clip", str(weights / "clip"),
                "--out", str(weights / "first"), "--checkpoint-dir", str(ck / "first")])
    train_main(["text", *tiny, "--steps", "3", "--decoder-from", str(weights / "first"), "--attribute-p", "0.3",
                "--prior-guidance", "1.5", "--out", str(weights / "second"), "--checkpoint-dir", str(ck / "second")])
    first, second = (load_folder(TextToImage, weights / name) for name in ("first", "second"))
    assert load_checkpoint(ck / "second" / "checkpoint.safetensors")["prior"]["step"] == 3  # all three: the prior's
    same = {key: torch.equal(value, second.state_dict()[key]) for key, value in first.state_dict().items()}
    assert all(same[key] for key in same if not key.startswith("prior."))
    assert not same["prior.inp.weight"] and not same["prior.out.1.weight"]  # a new prior, trained
    assert second.image_noising.config.prediction_type == "sample" and second.prior_guidance == 1.5
    with pytest.raises(SystemExit) as exit_:
        train_main(["text", "--dataset", "fashion", "--decoder-from", str(weights / "first"), "--prior-steps", "5"])
    assert exit_.value.code == 2 and "with --decoder-from every step trains the prior" in capsys.readouterr().err


def test_a_finished_decoder_goes_on_training_with_the_caption_from_where_it_stood(fake_fashion, capsys):
    """--finetune-decoder with --decoder-text: the decoder starts as the finished one, image for image (the caption
    enters through zero weights), every step trains it, and CLIP, prior and settings stay the finished pipeline's."""
    weights, ck = fake_fashion / "weights", fake_fashion / "ck"
    train_main(["clip", "--dataset", "fashion", "--steps", "2", "--batch-size", "8", "--width", "8",
                "--out", str(weights / "clip"), "--checkpoint-dir", str(ck / "clip")])
    tiny = ["--dataset", "fashion", "--batch-size", "8"]
    train_main(["text", *tiny, "--steps", "2", "--channels", "8", "16", "--prior-width", "16", "--guidance", "1.5",
                "--clip", str(weights / "clip"), "--out", str(weights / "first"), "--checkpoint-dir", str(ck / "first")])
    first = load_folder(TextToImage, weights / "first")
    start = TextRecipe.decoder_of(weights / "first", text=True).eval()
    assert start.decoder.text and not first.decoder.text and not start.prior.null.requires_grad
    prompts = ["a sneaker", "a dark top"]
    before, after = (generate(m, prompts, seed=3, steps=3).images for m in (first, start))
    assert (before - after).abs().max() < 1e-5  # equal but for the order of a sum in the widened projection
    train_main(["text", *tiny, "--steps", "3", "--finetune-decoder", str(weights / "first"), "--decoder-text",
                "--out", str(weights / "tuned"), "--checkpoint-dir", str(ck / "tuned")])
    tuned = load_folder(TextToImage, weights / "tuned")
    assert tuned.decoder.text and tuned.guidance == 1.5
    same = {key: torch.equal(value, tuned.state_dict()[key]) for key, value in first.state_dict().items()
            if key in tuned.state_dict() and value.shape == tuned.state_dict()[key].shape}
    assert all(same[key] for key in same if key.startswith(("clip.", "prior.")))
    assert not same["decoder.unet.conv_in.weight"]  # the decoder trained
    assert tuned.decoder.project.weight[:, first.embed_dim:].abs().sum() > 0  # and learned to read the caption
    for flags, words in [(["--prior-steps", "5"], "with --finetune-decoder every step trains the decoder"),
                         (["--decoder-from", str(weights / "first")], "give one of them")]:
        with pytest.raises(SystemExit) as exit_:
            train_main(["text", "--dataset", "fashion", "--finetune-decoder", str(weights / "first"), *flags])
        assert exit_.value.code == 2 and words in capsys.readouterr().err


def test_a_flow_matching_decoder_under_a_finished_prior(fake_fashion, capsys):
    """text-flow (or text --prior-from --objective flow-matching): CLIP, prior and the prior's settings are the
    finished pipeline's, bit for bit; a new decoder learns the velocity and the pipeline samples with its solver."""
    weights, ck = fake_fashion / "weights", fake_fashion / "ck"
    train_main(["clip", "--dataset", "fashion", "--steps", "2", "--batch-size", "8", "--width", "8",
                "--out", str(weights / "clip"), "--checkpoint-dir", str(ck / "clip")])
    tiny = ["--dataset", "fashion", "--batch-size", "8", "--channels", "8", "16"]
    train_main(["text", *tiny, "--steps", "2", "--prior-width", "16", "--prior-guidance", "1.5", "--clip",
                str(weights / "clip"), "--out", str(weights / "first"), "--checkpoint-dir", str(ck / "first")])
    train_main(["text-flow", *tiny, "--steps", "3", "--prior-from", str(weights / "first"), "--solver", "heun",
                "--guidance", "3", "--out", str(weights / "flow"), "--checkpoint-dir", str(ck / "flow")])
    first, flow = (load_folder(TextToImage, weights / name) for name in ("first", "flow"))
    assert (flow.objective, flow.solver, flow.guidance, flow.prior_guidance) == ("flow-matching", "heun", 3, 1.5)
    assert first.objective == "ddpm"  # the default, as in the pipelines trained before flow matching
    same = {key: torch.equal(value, flow.state_dict()[key]) for key, value in first.state_dict().items()}
    assert all(same[key] for key in same if not key.startswith("decoder."))
    assert not same["decoder.unet.conv_in.weight"]
    images = generate(flow, ["a sneaker", "a dark top"], seed=3, steps=2).images
    assert images.shape == (2, 1, 28, 28) and torch.equal(images, generate(flow, ["a sneaker", "a dark top"], 3, 2).images)
    for flags, words in [(["--objective", "ddpm"], "leave out --objective"),
                         (["--decoder-from", str(weights / "first")], "use --prior-from"),
                         (["--prior-from", str(weights / "nowhere")], "no config.json there")]:
        with pytest.raises(SystemExit) as exit_:
            train_main(["text-flow", "--dataset", "fashion", *flags])
        assert exit_.value.code == 2 and words in capsys.readouterr().err


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("family", ["autoencoder", "autoencoder-acai", "vae"])  # not the classifier: its dropout
def test_supervised_runs_resume_mid_run_on_the_same_stream(family, fake_fashion, monkeypatch):  # uses torch's RNG
    """A 4-step run killed after step 2 and started again with the same command ends exactly where an
    uninterrupted run does: weights, optimiser, schedule and the run's RNG (and ACAI's critic) all come back from
    the checkpoint."""
    flags = ["--acai", "0.5"] if family.endswith("-acai") else []
    args = [family.removesuffix("-acai"), "--dataset", "fashion", "--batch-size", "8", "--width", "4",
            "--checkpoint-every", "1", "--steps", "4", *flags]
    straight, split = fake_fashion / "straight", fake_fashion / "split"
    train_main([*args, "--checkpoint-dir", str(straight), "--out", str(straight / "w")])

    class KilledAtStep3(gan_demo.train.tqdm):
        def update(self, n=1):
            if self.n + n == 3:
                raise Interrupted
            return super().update(n)

    with monkeypatch.context() as m:
        m.setattr(gan_demo.train, "tqdm", KilledAtStep3)
        with pytest.raises(Interrupted):
            train_main([*args, "--checkpoint-dir", str(split), "--out", str(split / "w")])
    assert load_checkpoint(split / "checkpoint.safetensors")["step"] == 2
    train_main([*args, "--checkpoint-dir", str(split), "--out", str(split / "w")])
    a, b = (load_checkpoint(d / "checkpoint.safetensors") for d in (straight, split))
    assert a["step"] == b["step"] == 4
    for part in ("model", "critic") if flags else ("model",):
        assert part in a and a[part].keys() == b[part].keys(), part
        for key, value in a[part].items():
            assert torch.equal(value, b[part][key]), (part, key)


@pytest.mark.parametrize("flags, words", [(["--aux-weight", "-1"], "aux_weight must be >= 0"),
                                          (["--k-disc", "0"], "k_disc and batch_size must be >= 1"),
                                          (["--acai", "-0.1"], "--acai must be >= 0")])
def test_cli_refuses_bad_loop_options_before_loading_data(flags, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        train_main(["autoencoder" if "--acai" in flags else "cgan", "--dataset", "fashion", *flags])
    assert exit_.value.code == 2 and words in capsys.readouterr().err


def test_cli_refuses_a_minibatch_stddev_group_that_does_not_divide_the_batch(capsys):
    with pytest.raises(SystemExit) as exit_:
        train_main(["gan", "--dataset", "fashion", "--batch-size", "64", "--mbstd-group", "5"])
    assert exit_.value.code == 2 and "--mbstd-group must be 0 or divide --batch-size (64)" in capsys.readouterr().err


def test_minibatch_stddev_sees_collapse_within_groups_and_never_mixes_real_with_fake():
    real = torch.randn(8, 5, generator=torch.Generator().manual_seed(0))
    collapsed = torch.ones(8, 5)  # a generator that draws one image eight times
    feature = minibatch_stddev(torch.cat([real, collapsed]), 4)
    assert feature.shape == (16, 1)
    assert torch.all(feature[8:] < 1e-3) and torch.all(feature[:8] > 0.3)
    # each group's number is its rows' std averaged over features, the same for every row of the group
    expected = real[:4].std(dim=0, unbiased=False).mean()
    assert torch.allclose(feature[:4], expected.expand(4, 1), atol=1e-5)
    # the fakes do not change the reals' feature: the groups are consecutive
    assert torch.equal(minibatch_stddev(torch.cat([real, torch.randn(8, 5)]), 4)[:8], feature[:8])


def test_cli_resumes_from_checkpoint(fake_fashion, caplog):
    args = ["gan", "--dataset", "fashion", "--batch-size", "8", "--width", "4", "--out", str(fake_fashion / "w"),
            "--checkpoint-dir", str(fake_fashion / "ck"), "--checkpoint-every", "1"]
    train_main([*args, "--steps", "2"])
    assert load_checkpoint(fake_fashion / "ck" / "checkpoint.safetensors")["step"] == 2
    caplog.set_level("INFO", logger="gan_demo.train")
    train_main([*args, "--steps", "4"])
    assert "resumed from" in caplog.text and "at step 2" in caplog.text
    assert load_checkpoint(fake_fashion / "ck" / "checkpoint.safetensors")["step"] == 4


@pytest.mark.slow
def test_torchrun_two_cpu_processes_with_gloo(fake_fashion):
    """The same CLI under torchrun: DistributedDataParallel over two CPU processes (gloo)."""
    out = fake_fashion / "ddp"
    env = {**os.environ, "CPU_CORES": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "gan_demo.train", "cgan", "--dataset", "fashion", "--steps", "3", "--batch-size", "8",
           "--width", "4", "--aux-weight", "1", "--out", str(out), "--checkpoint-dir", str(fake_fashion / "ck-ddp"),
           "--device", "cpu"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "model.safetensors").is_file()
    assert load_checkpoint(fake_fashion / "ck-ddp" / "checkpoint.safetensors")["step"] == 3


def test_resumed_run_takes_this_runs_learning_rates(tmp_path):
    a = tiny_trainer(seed=1)
    list(a.run(1))
    b = tiny_trainer(seed=1, lr=5e-5)
    b.load_state_dict(a.state_dict())
    assert [g["lr"] for g in b.opt_d.param_groups + b.opt_g.param_groups] == [5e-5, 5e-5]


def test_a_finished_supervised_run_resumed_longer_trains_on_and_anneals_over_its_length():
    """Resuming a finished 10-step run (learning rate annealed to 0) to 20 steps continues at half the base rate,
    cosine-annealed to 0 at step 20, and the weights move; a bare T_max change would leave the rate at 0."""
    def loss(model, x, y, rng):
        return model(x).pow(2).mean(), {}

    def trainer(total: int) -> SupervisedTrainer:
        torch.manual_seed(0)
        return SupervisedTrainer(torch.nn.Linear(4, 1), loss, torch.randn(32, 4), torch.zeros(32), total_steps=total,
                                 batch_size=8, lr=1e-2)

    first = trainer(10)
    list(first.run(10))
    assert first.opt.param_groups[0]["lr"] == pytest.approx(0, abs=1e-12)
    longer = trainer(20)
    longer.load_state_dict(first.state_dict())
    assert longer.opt.param_groups[0]["lr"] == pytest.approx(0.5e-2)
    before = longer.model.weight.detach().clone()
    rates = []
    for _ in longer.run(10):
        rates.append(longer.opt.param_groups[0]["lr"])
    expected = [0.5e-2 * (1 + math.cos(math.pi * t / 20)) for t in range(11, 21)]
    assert rates == pytest.approx(expected, abs=1e-9) and rates[-1] == pytest.approx(0, abs=1e-12)
    assert not torch.equal(longer.model.weight, before)


def test_a_supervised_run_with_ema_exports_the_average_and_checkpoints_it(tmp_path):
    """ema_decay > 0: the exported model is the moving average (between the start and the last step's weights, not
    the model itself), it survives a checkpoint, and resuming goes on from it; 0 exports the model as before."""
    def loss(model, x, y, rng):
        return (model(x) - 1).pow(2).mean(), {}

    def trainer(ema: float) -> SupervisedTrainer:
        torch.manual_seed(0)
        return SupervisedTrainer(torch.nn.Linear(4, 1), loss, torch.randn(32, 4), torch.zeros(32), total_steps=50,
                                 batch_size=8, lr=5e-2, ema_decay=ema)

    plain = trainer(0.0)
    list(plain.run(50))
    assert plain.export() is plain.model
    averaged = trainer(0.95)
    start = averaged.model.bias.detach().clone()
    list(averaged.run(50))
    ema, last = averaged.export(), averaged.model
    assert ema is not last and torch.equal(last.bias, plain.model.bias)  # the average does not change the training
    assert start < ema.bias < last.bias or last.bias < ema.bias < start, (start, ema.bias, last.bias)
    save_checkpoint(averaged.state_dict(), tmp_path / "c.safetensors")
    resumed = trainer(0.95)
    resumed.load_state_dict(load_checkpoint(tmp_path / "c.safetensors"))
    assert torch.equal(resumed.export().bias, ema.bias)
    with pytest.raises(ValueError, match="ema_decay"):
        trainer(1.0)
