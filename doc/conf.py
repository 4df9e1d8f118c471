"""Sphinx configuration for skneural's documentation.

Build: ``pip install -e ".[docs]"``, then
``python -m sphinx -W -b html doc doc/_build/html``.

Every example the build runs is checked (``_sphinxext/example_checks.py``): it
must leave no process state behind, print no warning or local path, and its text
must agree with what it prints (``_sphinxext/example_claims.py``). A failed check
is a warning, so ``-W`` fails the build.

Math is typeset by a local copy of MathJax (``sphinx-mathjax-offline``), so pages
read offline; ``doc/browser_check.py`` opens the built pages in headless Chromium.

Switches (environment variables):

``SKNEURAL_DOCS_FAST=1``
    Run only the quick gallery examples; the slow ones are rendered with their code
    and text but not executed, so they have no figures or output (the user guide
    says where their figures would be).
``SKNEURAL_DOCS_INTERSPHINX=0`` / ``=1``
    Force cross-links to Python, NumPy, SciPy and scikit-learn off or on. By default
    they are on when docs.python.org answers within two seconds, so an offline build
    does not fail under ``-W``.
"""

import os
import socket
import sys
from pathlib import Path

# sphinx-gallery resolves the names an example uses by importing them, also for the
# examples it does not run; HalvingRandomSearchCV only imports once enabled.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_sphinxext"))

from example_checks import SLOW_EXAMPLES  # noqa: E402

project = "skneural"
author = "the skneural developers"
copyright = "2026, the skneural developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from _static: formulas render offline
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
    # Room for code and figures at a laptop's 1280 pixels: the gallery's examples
    # (code and output, read top to bottom) have no "on this page" column, the API
    # pages no navigation column (see html_sidebars); the user guide has both.
    "secondary_sidebar_items": {"*": ["page-toc"], "generated/*": ["page-toc"],
                                "auto_examples/*": []},
}
# The API pages have no navigation column: the API reference lists every page.
html_sidebars = {"index": [], "getting_started": [], "generated/*": []}

# The quick examples run in every build; the slow ones (minutes each, listed in
# _sphinxext/example_checks.py) only in the full build.
FAST = os.environ.get("SKNEURAL_DOCS_FAST", "0") not in ("", "0")
if FAST:
    _pattern = r"/(?!(%s)\.py)(plot_|quickstart)" % "|".join(SLOW_EXAMPLES)
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
    # A block ending in ax.legend() shows no "<matplotlib.legend.Legend object at
    # 0x...>": the figure is the output. Other stray reprs fail the build
    # (example_checks.output_problems).
    "ignore_repr_types": r"matplotlib[.]",
    "matplotlib_animations": False,
    # Before and after each example: matplotlib's defaults, then the checks.
    "reset_modules": ("matplotlib", "example_checks.check_example"),
    "reset_modules_order": "both",
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


def _unresolved_skneural_reference(app, env, node, contnode):
    """A reference to skneural in the user guide or the gallery that found no page
    is a warning: an API page is missing, or the text names something that is not
    public. (The API pages' references come from the package's docstrings.)"""
    target = node.get("reftarget", "")
    if (node.get("refdomain") == "py" and target.lstrip("~.").startswith("skneural")
            and not node.get("refdoc", "").startswith("generated/")):
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "%s %r has no page in the API reference", node.get("reftype"), target,
            location=node)
    return None


def _figures(app, doctree):
    """Gallery figures link to their full size; missing ones are said to be missing.

    sphinx-gallery's own image node becomes a plain image; an image with a width is
    linked to its full-size file by Sphinx (html_scaled_image_link). In a quick
    build (SKNEURAL_DOCS_FAST=1) the figures of the examples that did not run do
    not exist: the user guide says so instead of showing a broken image.
    """
    from docutils import nodes
    from sphinx_gallery.directives import imgsgnode

    for node in list(doctree.findall(imgsgnode)):
        image = nodes.image(uri=node["uri"], alt=node["alt"],
                            classes=list(node["class"] or []))
        node.replace_self(image)
    folder = Path(app.env.doc2path(app.env.docname)).parent
    for image in list(doctree.findall(nodes.image)):
        uri = image["uri"]
        if "auto_examples/images/" not in uri or "/thumb/" in uri:
            continue
        path = Path(app.srcdir) / uri[1:] if uri.startswith("/") else folder / uri
        if not path.exists():
            note = nodes.paragraph(text="(This figure is drawn by the full documentation "
                                        "build, which runs every example.)")
            container = image.parent if isinstance(
                image.parent, (nodes.reference, nodes.figure)) else image
            container.replace_self(note)
            continue
        image.setdefault("width", "100%")


def _digits_thumbnail(app):
    """The quickstart's gallery thumbnail: the digits it learns (it draws no figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_digits

    path = Path(app.srcdir) / "_static" / "generated" / "quickstart_digits.png"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    fig, axes = plt.subplots(3, 5, figsize=(4, 2.6))
    for ax, image, label in zip(axes.ravel(), digits.images, digits.target):
        ax.imshow(image, cmap="gray_r")
        ax.set_axis_off()
        ax.set_title(str(label), fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def setup(app):
    app.connect("missing-reference", _sklearn_reference, priority=900)
    app.connect("missing-reference", _unresolved_skneural_reference, priority=950)
    # Before the environment's image collector (priority 500) reads the images.
    app.connect("doctree-read", _figures, priority=100)
    # Before sphinx-gallery makes the thumbnails (builder-inited, priority 500).
    app.connect("builder-inited", _digits_thumbnail, priority=100)
