"""The numbers that the examples' text, and the user guide's, says about their runs.

Every number in an example's text (its docstring and its ``# %%`` comment blocks)
is either

* a **claim** about what the run prints (``CLAIMS``): a pattern in the text and
  one in the printed output, with the same named groups; the text's number must be
  the printed one, rounded to the digits the text gives ("0.29" agrees with a
  printed 0.2884 and 0.2900, not with 0.2950); or
* a **fact** that no run can change (``FACTS``): the data's size, a setting the
  code makes, a year, a published figure.

A number that is neither fails the check, so a new number in the text needs one
of the two. Times depend on the machine: the text gives none (it points at the
printed ones). Claims can also stand in a user-guide page (``doc/*.rst``) that
quotes an example; there only the claims are checked.

Used by ``example_checks.check_example`` in the docs build (every example that
runs) and by ``tests/test_examples.py`` (the quick examples).
"""

import ast
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1]
EXAMPLES = DOC.parent / "examples"

_BACKPROP = "examples/plot_backprop_worked_example.py"
_PETROL = "examples/plot_petrol_regression.py"
_SOLVERS = "examples/plot_solver_comparison.py"
_REGULARIZATION = "examples/plot_regularization.py"
_FASHION = "examples/plot_fashion_mnist_challenge.py"
_SEARCH = "examples/plot_hyperparameter_search.py"
_AUTOENCODER = "examples/plot_autoencoder.py"
_LARGE = r"large: Fashion-MNIST[\s\S]*?"  # the second table of the solver comparison


def _row(title):
    """A row of the regularization example's last table (training loss, validation
    loss, test accuracy), not of the earlier two-column one."""
    return (rf"^{re.escape(title)}\s+(?P<train>[\d.]+)\s+(?P<val>[\d.]+)"
            r"\s+(?P<acc>[\d.]+)$")


def _code_size(size, ae, pca):
    """A row of the autoencoder example's error table: code size, autoencoder, PCA."""
    return rf"^\s+{size}\s+(?P<{ae}>[\d.]+)\s+(?P<{pca}>[\d.]+)$"


# example -> [(file the text is in, pattern in the text, pattern in the output)]
CLAIMS = {
    "plot_backprop_worked_example.py": [
        (_BACKPROP, r"lowers the error from (?P<e>[\d.]+)", r"E_total\s+(?P<e>[\d.]+)"),
        (_BACKPROP, r"lowers the error from [\d.]+ to (?P<e>[\d.]+)",
         r"E after 1 step\s+(?P<e>[\d.]+)"),
        (_BACKPROP, r"has error (?P<e>[\d.]+) too",
         r"E with the published updated weights\s+(?P<e>[\d.]+)"),
        (_BACKPROP, r"take the error to (?P<e>[\d.e-]+)",
         r"E after 10,000 steps (?P<e>[\d.e+-]+)"),
        (_BACKPROP, r"with outputs (?P<o1>[\d.]+) and (?P<o2>[\d.]+)",
         r"outputs (?P<o1>[\d.]+) (?P<o2>[\d.]+)"),
    ],
    "plot_solver_comparison.py": [
        (_SOLVERS, r"L-BFGS, CG and Rprop end at a loss of about (?P<l>[\d.e-]+)",
         r"^\s+L-BFGS\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"L-BFGS, CG and Rprop end at a loss of about (?P<l>[\d.e-]+)",
         r"^\s+CG\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"L-BFGS, CG and Rprop end at a loss of about (?P<l>[\d.e-]+)",
         r"^\s+rprop\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"best mini-batch solver \(vSGD, (?P<l>[\d.e-]+)\)",
         r"^\s+vSGD\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"Adam and RMSprop lowest, (?P<l>[\d.]+) and",
         _LARGE + r"^\s+adam\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"Adam and RMSprop lowest, [\d.]+ and (?P<l>[\d.]+),",
         _LARGE + r"^\s+rmsprop\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"against (?P<l>[\d.]+) for L-BFGS",
         _LARGE + r"^\s+L-BFGS\s+final loss (?P<l>\S+)"),
        (_SOLVERS, r"ends highest of them, at (?P<l>[\d.]+)",
         _LARGE + r"^\s+vSGD\s+final loss (?P<l>\S+)"),
    ],
    "plot_regularization.py": [
        (_REGULARIZATION, r"so (?P<p>[\d.]+) % are wrong", r"now wrong \((?P<p>[\d.]+)%\)"),
        (_REGULARIZATION, r"the (?P<n>\d+) wrong ones", r"(?P<n>\d+) of them now wrong"),
        (_REGULARIZATION, r"Only (?P<p>[\d.]+) % of the training labels are right",
         r"(?P<p>[\d.]+)% still right"),
        (_REGULARIZATION, r"training loss (?P<train>[\d.]+) instead of",
         _row("weight noise 0.05")),
        (_REGULARIZATION, r"training loss [\d.]+ instead of (?P<train>[\d.]+)\)",
         _row("no regularization")),
        (_REGULARIZATION, r"lowers the validation loss \((?P<val>[\d.]+) against",
         _row("weight noise 0.05")),
        (_REGULARIZATION, r"lowers the validation loss \([\d.]+ against (?P<val>[\d.]+)\)",
         _row("no regularization")),
        (_REGULARIZATION, r"hardly moves the test accuracy \((?P<acc>[\d.]+) against",
         _row("weight noise 0.05")),
        (_REGULARIZATION,
         r"hardly moves the test accuracy \([\d.]+ against (?P<acc>[\d.]+)\)",
         _row("no regularization")),
        (_REGULARIZATION, r"without the noise \((?P<train>[\d.]+) against",
         _row("logistic, stochastic")),
        (_REGULARIZATION, r"without the noise \([\d.]+ against (?P<train>[\d.]+)\)",
         _row("logistic units")),
        (_REGULARIZATION, r"validation loss ends lower \((?P<val>[\d.]+) against",
         _row("logistic, stochastic")),
        (_REGULARIZATION, r"validation loss ends lower \([\d.]+ against (?P<val>[\d.]+)\)",
         _row("logistic units")),
        (_REGULARIZATION, r"test accuracy higher \((?P<acc>[\d.]+) against",
         _row("logistic, stochastic")),
        (_REGULARIZATION, r"test accuracy higher \([\d.]+ against (?P<acc>[\d.]+)\)",
         _row("logistic units")),
        (_REGULARIZATION, r"keeping the weights of epoch (?P<e>\d+)",
         r"early stopping \(epoch (?P<e>\d+)\)"),
    ],
    "plot_fashion_mnist_challenge.py": [
        (_FASHION, r"training runs (?P<n>\d+) epochs", r"trained (?P<n>\d+) epochs"),
        (_FASHION, r"falls below 0.30 at epoch (?P<e>\d+)",
         r"first under 0.30 at epoch (?P<e>\d+)"),
        (_FASHION, r"reaches its lowest, (?P<l>[\d.]+), at epoch (?P<e>\d+)",
         r"lowest validation loss (?P<l>[\d.]+) at epoch (?P<e>\d+)"),
        (_FASHION, r"The weights of epoch (?P<e>\d+) are restored",
         r"weights restored from epoch (?P<e>\d+)"),
        (_FASHION, r"they score (?P<a>[\d.]+) on the test set",
         r"^test accuracy (?P<a>[\d.]+)"),
    ],
    "plot_hyperparameter_search.py": [
        (_SEARCH, r"on the test set \((?P<low>[\d.]+) to (?P<high>[\d.]+)\)",
         r"test accuracies: (?P<low>[\d.]+) to (?P<high>[\d.]+)"),
        (_SEARCH, r"one of the (?P<n>\d+) test images is (?P<step>[\d.]+)",
         r"one of the (?P<n>\d+) test images is (?P<step>[\d.]+)"),
        (_SEARCH, r"spread \(± (?P<sd>[\d.]+)\)", r"^\s+64\s+[\d.]+ ± (?P<sd>[\d.]+)"),
        (_SEARCH, r"\(3-fold accuracy (?P<a>[\d.]+) against",
         r"^\s+best 3-fold accuracy (?P<a>[\d.]+), test"),
        (_SEARCH, r"\(3-fold accuracy [\d.]+ against (?P<a>[\d.]+)\)",
         r"^randomized search: best 3-fold accuracy (?P<a>[\d.]+)"),
        (_SEARCH, r"soft vote of five networks \((?P<a>[\d.]+)\)",
         r"^their soft vote: (?P<a>[\d.]+)"),
        (_SEARCH, r"the average network \((?P<a>[\d.]+)\)", r"\(mean (?P<a>[\d.]+)\)"),
        (_SEARCH, r"TPE's best setting scores (?P<a>[\d.]+) in 3-fold accuracy",
         r"^TPE \(Optuna\): best 3-fold accuracy (?P<a>[\d.]+)"),
        (_SEARCH, r"against the randomized search's (?P<a>[\d.]+)\.",
         r"^randomized search: best 3-fold accuracy (?P<a>[\d.]+)"),
        (_SEARCH, r"informed trials score from (?P<low>[\d.]+) up",
         r"^\s+TPE\s+[\d. ]+\(lowest (?P<low>[\d.]+)\)"),
        (_SEARCH, r"one random draw lands at (?P<low>[\d.]+);",
         r"^\s+randomized\s+[\d. ]+\(lowest (?P<low>[\d.]+)\)"),
    ],
    "plot_autoencoder.py": [
        (_AUTOENCODER, r"code classifies the test images better \((?P<ae>[\d.]+)\)",
         r"^autoencoder, 32-unit code\s+test accuracy (?P<ae>[\d.]+)$"),
        (_AUTOENCODER, r"than the 32 principal components \((?P<pca>[\d.]+)\)",
         r"^PCA, 32 components\s+test accuracy (?P<pca>[\d.]+)$"),
        (_AUTOENCODER, r"(?P<ae>[\d.]+) against (?P<pca>[\d.]+) with 32 numbers per image",
         _code_size(32, "ae", "pca")),
        (_AUTOENCODER, r"8-unit code rebuilds the images better \((?P<ae>[\d.]+)\)",
         _code_size(8, "ae", "pca")),
        (_AUTOENCODER, r"than 16 principal components \((?P<pca>[\d.]+)\)",
         _code_size(16, "ae", "pca")),
        (_AUTOENCODER, r"reconstructions are at (?P<plain>[\d.]+) from the clean images",
         r"^autoencoder rebuilds them with error (?P<plain>[\d.]+)$"),
        (_AUTOENCODER, r"the noisy images at (?P<noisy>\d+\.\d+)",
         r"^noisy test images: error (?P<noisy>[\d.]+)"),
        (_AUTOENCODER, r"comes closer still \((?P<denoising>[\d.]+)\)",
         r"^denoising autoencoder rebuilds them with error (?P<denoising>[\d.]+)$"),
    ],
    "plot_getting_started.py": [
        ("doc/getting_started.rst", r"It prints a test accuracy of (?P<acc>[\d.]+)",
         r"^test accuracy (?P<acc>[\d.]+)"),
    ],
    "plot_petrol_regression.py": [
        (_PETROL, r"explains about (?P<r2>[\d.]+) of the variance",
         r"^X and y scaled, squared error\s+(?P<r2>-?[\d.]+) ±"),
        (_PETROL, r"of the variance on held-out states against (?P<r2>[\d.]+)",
         r"^linear regression \(X scaled\)\s+(?P<r2>-?[\d.]+) ±"),
        (_PETROL, r"misses by about (?P<mae>[\d.]+) gallons",
         r"^X and y scaled, squared error\s+\S+ ± \S+\s+(?P<mae>[\d.]+)"),
        (_PETROL, r"gallons against (?P<mae>[\d.]+);",
         r"^linear regression \(X scaled\)\s+\S+ ± \S+\s+(?P<mae>[\d.]+)"),
        (_PETROL, r"\(R² about (?P<r2>-?[\d.]+)\)",
         r"^MLPRegressor\(\), raw data\s+(?P<r2>-?[\d.]+) ±"),
        (_PETROL,
         r"X-only one \(about (?P<r2>-?[\d.]+), off by some (?P<mae>[\d.]+) gallons",
         r"^X scaled only\s+(?P<r2>-?[\d.]+) ± \S+\s+(?P<mae>[\d.]+)"),
        (_PETROL, r"spread \(± (?P<sd>[\d.]+) in R²\)",
         r"^X and y scaled, squared error\s+\S+ ± (?P<sd>[\d.]+)"),
        ("doc/mlp.rst", r"R² of (?P<r2>-?[\d.]+) on the raw data",
         r"^MLPRegressor\(\), raw data\s+(?P<r2>-?[\d.]+) ±"),
        ("doc/mlp.rst", r"on the raw data, (?P<r2>-?[\d.]+) with only X scaled",
         r"^X scaled only\s+(?P<r2>-?[\d.]+) ±"),
        ("doc/mlp.rst", r"with only X scaled and (?P<r2>-?[\d.]+) with both",
         r"^X and y scaled, squared error\s+(?P<r2>-?[\d.]+) ±"),
        ("doc/mlp.rst", r"a linear model gets (?P<r2>-?[\d.]+)\)",
         r"^linear regression \(X scaled\)\s+(?P<r2>-?[\d.]+) ±"),
    ],
}

# example -> phrases of its text that hold numbers no run can change
FACTS = {
    "plot_backprop_worked_example.py": [
        "2-2-2", "2015", "learning rate 0.5", "allows 1e-9", "gives 0.291027924",
        "10,000", "published: 3.51085e-5", "about 0.0000351", "targets 0.01 and 0.99"],
    "plot_batch_modes.py": [
        "here 32", "32 ReLU units", "momentum 0.9", "30 epochs", "1,437 tiny steps"],
    "plot_getting_started.py": [
        "10,000 Fashion-MNIST", "10 % of the training", "(10) epochs"],
    "plot_perceptron.py": [
        "predicts 1 when", "(Novikoff, 1962)", "[-1, 1]²", "a constant input 1",
        "50 points", "(label 1 where exactly one coordinate is near 1)"],
    "plot_petrol_regression.py": [
        "48 rows", "(Weisberg, 1980)", "for 48 US states", "about 350 to 970 gallons",
        "(5 folds, repeated 3 times", "span 0.5 to 18,000", "outputs near 0",
        "targets near 600", "200 epochs", "(10 ReLU units", "(1 is perfect, 0 is",
        "the 15 test folds", "how little 48 rows", "one 5-fold split"],
    "plot_training_history.py": ["10% positives", "grows by 10%"],
    "plot_solver_comparison.py": [
        "LeCun, 2013", "8x8 digits, 1,437 training images", "(48,000 Fashion-MNIST",
        "784 pixels", "learning rates 0.1", "0.001 for RMSprop", "80 % of each",
        "20 % tests", "On 48,000 images", "steps on 200 images", "on all 48,000",
        "after 20 epochs"],
    "plot_regularization.py": [
        "on 1,000 Fashion", "**30 % had", "Validation (2,000 images) and test (2,000",
        "With 1 or 2 hidden", "From 32 units on", "a 256-unit network trained for 80",
        "probability 0.5", "for 10 epochs", "mini-batches of 50 rows", "in [0, 1]",
        "at 1.0 all", "Growing past 32 units", "standard deviation 0.05",
        "(Graves, 2011)", "sends on 1 with", "its output , else 0"],
    "plot_fashion_mnist_challenge.py": [
        "challenge: 0.89 test accuracy, validation loss under 0.30",
        "(60,000 training images", "10,000 test images", "at least 0.89",
        "at most 0.30", "to [0, 1]", "the last 10,000 training", "512 ReLU units",
        "dropout 0.2", "mini-batches of 256", "for (10) epochs", "falls below 0.30"],
    "plot_hyperparameter_search.py": [
        "the 1,347 images", "same 1,347 images", "20 settings", "between 1e-5 and 10",
        "between 1e-4 and 1e-1", "by 3-fold", "27 random settings", "for 10 epochs",
        "up to 90", "sizes (4 units", "3-fold accuracy", "about 63 %",
        "Bergstra et al., 2011", "20 settings from", "same 3-fold", "settings 11 to 20"],
    "plot_autoencoder.py": [
        "on 5,000 Fashion-MNIST", "scaled to [0, 1]", "1,000 test images",
        "linear 32-unit code", "pixels in [0, 1]", "code sizes 8, 16 and 32",
        "mini-batches of 64", "standardized 32 numbers", "classifier on 32 principal",
        "than the 32 principal", "with 32 numbers per image", "its 8-unit code",
        "than 16 principal", "standard deviation 0.3", "through 32 numbers",
        "from 32 numbers"],
}

_NUMBER = re.compile(r"(?<![\w.])[-−]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def example_text(source):
    """The reader's text of an example: its docstring and comment blocks, with
    code spans, roles and list numbers taken out and whitespace made single."""
    blocks = [ast.get_docstring(ast.parse(source)) or ""]
    current = None
    for line in source.splitlines():
        if line.startswith("# %%"):
            current = []
            blocks.append(current)
        elif current is not None and line.startswith("#"):
            current.append(line[1:].strip())
        else:
            current = None
    text = "\n".join(b if isinstance(b, str) else "\n".join(b) for b in blocks)
    return _plain(text)


def _plain(text):
    text = re.sub(r"^\s*(?:\d+\.|\*|-)\s+", " ", text, flags=re.M)  # list markers
    text = re.sub(r"^[=\-~^]{3,}\s*$", " ", text, flags=re.M)  # title underlines
    text = re.sub(r":\w+:`[^`]*`", " ", text)  # roles (:ref:, :class:, ...)
    text = re.sub(r"``[^`]*``", " ", text)  # code
    return re.sub(r"\s+", " ", text)


def _value(number):
    return float(number.rstrip(".").replace(",", "").replace("−", "-"))


def _decimals(number):
    return len(number.split(".")[1]) if "." in number and "e" not in number else 0


def agree(said, printed):
    """Whether the text's number ``said`` is ``printed`` rounded to its digits."""
    said = said.rstrip(".")  # a number at the end of a sentence
    if "e" in said.lower():  # scientific: the same to the digits given
        mantissa = said.lower().split("e")[0]
        scale = 10 ** int(said.lower().split("e")[1])
        return abs(_value(printed) - _value(said)) <= 0.5 * 10 ** -_decimals(
            mantissa) * scale * (1 + 1e-9)
    return abs(_value(printed) - _value(said)) <= 0.5 * 10 ** -_decimals(said) + 1e-12


def _text_of(where, example):
    path = DOC.parent / where
    source = path.read_text(encoding="utf-8")
    return example_text(source) if path.suffix == ".py" else _plain(source)


def claim_problems(example, output):
    """Disagreements between ``example``'s claims and its printed ``output``."""
    problems = []
    for where, said_pattern, printed_pattern in CLAIMS.get(example, []):
        said = re.search(said_pattern, _text_of(where, example))
        printed = re.search(printed_pattern, output, flags=re.M)
        if said is None:
            problems.append(f"{where} no longer says /{said_pattern}/: update the claim")
            continue
        if printed is None:
            problems.append(f"the output has no /{printed_pattern}/ for {where}'s "
                            f"{said.group(0)!r}")
            continue
        for name, value in said.groupdict().items():
            if not agree(value, printed.group(name)):
                problems.append(f"{where} says {value} ({name}, in {said.group(0)!r}) "
                                f"where the run printed {printed.group(name)}")
    return problems


def unchecked_numbers(example):
    """Numbers in ``example``'s text that are neither a claim nor a fact."""
    text = _text_of(f"examples/{example}", example)
    covered = []
    for where, said_pattern, _ in CLAIMS.get(example, []):
        if where == f"examples/{example}":
            match = re.search(said_pattern, text)
            if match:
                covered += [match.span(name) for name in match.groupdict()]
    for phrase in FACTS.get(example, ()):
        for match in re.finditer(re.escape(phrase), text):
            covered.append(match.span())
    return [match.group(0) for match in _NUMBER.finditer(text)
            if not any(start <= match.start() and match.end() <= end
                       for start, end in covered)]
