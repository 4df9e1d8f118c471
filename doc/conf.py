"""Sphinx configuration for skneural's documentation.

Build: ``pip install -e ".[docs]"``, then
``python -m sphinx -W -b html doc doc/_build/html``.

Switches (environment variables):

``SKNEURAL_DOCS_FAST=1``
    Run only the quick gallery examples (CI does this); the slow ones are rendered
    with their code and text but not executed, so they have no figures or output.
``SKNEURAL_DOCS_INTERSPHINX=0`` / ``=1``
    Force cross-links to Python, NumPy, SciPy and scikit-learn off or on. By default
    they are on when docs.python.org answers within two seconds, so an offline build
    does not fail under ``-W``.
"""

import os
import socket
import sys

# sphinx-gallery resolves the names an example uses by importing them, also for the
# examples it does not run; HalvingRandomSearchCV only imports once enabled.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_sphinxext"))

project = "skneural"
author = "the skneural developers"
copyright = "2026, the skneural developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["skneural.css"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5", "sg_execution_times.rst"]

# API reference: one page per public class and function, listed from each module's
# __all__ (doc/_templates/autosummary/ holds the module and class templates).
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"member-order": "bysource"}
toc_object_entries_show_parents = "hide"  # "fit()" rather than "MLPClassifier.fit()"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = "skneural"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "getting_started": []}

# The quick examples run in every build; the slow ones (minutes each) only in the
# full build.
SLOW_EXAMPLES = ("plot_solver_comparison", "plot_regularization",
                 "plot_fashion_mnist_challenge", "plot_hyperparameter_search",
                 "plot_autoencoder")
FAST = os.environ.get("SKNEURAL_DOCS_FAST", "0") not in ("", "0")
if FAST:
    _pattern = r"/(?!(%s)\.py)(plot_|quickstart)" % "|".join(SLOW_EXAMPLES)
    # Figures of the examples that did not run are absent from the user guide.
    suppress_warnings = ["image.not_readable"]
else:
    _pattern = r"/(plot_|quickstart)"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": _pattern,
    "within_subsection_order": "gallery_order.CourseOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
}


def _online(host="docs.python.org", timeout=2.0):
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


_intersphinx = os.environ.get("SKNEURAL_DOCS_INTERSPHINX")
if _intersphinx is None:
    _intersphinx = "1" if _online() else "0"
intersphinx_mapping = {} if _intersphinx == "0" else {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}

# scikit-learn's docstrings, inherited by the estimators (score, get_params,
# set_fit_request ...) and quoted in ours, refer to scikit-learn's glossary and user
# guide by label. Those links go to scikit-learn's site, with or without intersphinx.
SKLEARN = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
    # set_output, inherited by the transformers (MLPAutoencoder).
    "df_output_transform": "modules/df_output_transform.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py":
        "auto_examples/miscellaneous/plot_set_output.html",
}
SKLEARN_TERMS = {"fit", "meta-estimator", "partial_fit", "warm_start", "random_state",
                 "n_jobs", "predict", "estimator", "Glossary"}


def _sklearn_reference(app, env, node, contnode):
    from docutils import nodes

    target = node.get("reftarget", "")
    if node.get("reftype") == "term" and target in SKLEARN_TERMS:
        uri = f"{SKLEARN}glossary.html#term-{target.replace('_', '-')}"
    elif node.get("reftype") == "ref" and target in SKLEARN_LABELS:
        uri = SKLEARN + SKLEARN_LABELS[target]
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=uri,
                                reftitle="scikit-learn")
    reference += contnode
    return reference


def setup(app):
    app.connect("missing-reference", _sklearn_reference, priority=900)
