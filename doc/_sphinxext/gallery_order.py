"""The gallery's examples in the order of the course (sphinx-gallery sort key)."""

from pathlib import Path

COURSE_ORDER = [
    "quickstart.py",
    "plot_getting_started.py",
    "plot_perceptron.py",
    "plot_backprop_worked_example.py",
    "plot_batch_modes.py",
    "plot_solver_comparison.py",
    "plot_petrol_regression.py",
    "plot_regularization.py",
    "plot_training_history.py",
    "plot_fashion_mnist_challenge.py",
    "plot_hyperparameter_search.py",
]


class CourseOrder:
    """Sort key: position in ``COURSE_ORDER``; examples not listed come last, by
    name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in COURSE_ORDER:
            return (COURSE_ORDER.index(name), name)
        return (len(COURSE_ORDER), name)

    def __repr__(self):
        return "<CourseOrder>"
