"""Registry: the one mapping from names to activations, losses, initializers, solvers.

Every extension point of skneural is a :class:`Registry`. It is a ``dict`` from name
to entry (so ``sorted(ACTIVATIONS)``, ``"relu" in ACTIVATIONS`` and ``dict(LOSSES)``
work), with three additions:

* :meth:`Registry.register` refuses to replace a name unless asked;
* :meth:`Registry.get` turns what an estimator was given into an entry: an entry
  itself, a registered name, an alias (``"sigmoid"`` for ``"logistic"``) or a
  **call spec** such as ``"leaky_relu(negative_slope=0.2)"`` or ``"huber(delta=2.0)"``,
  which calls the registered factory with literal arguments. A spec is a plain
  string, so a model configured with one pickles, clones and loads with
  ``skops.io.load`` without trusting any skneural function or record;
* unknown names get one clear error listing what is registered.

Examples
--------
>>> from skneural import activations
>>> activations.get("leaky_relu(negative_slope=0.2)").name
'leaky_relu(negative_slope=0.2)'
>>> activations.get("sigmoid").name
'logistic'
"""

import ast

from sklearn.utils._param_validation import StrOptions

__all__ = ["Registry", "RegistryOptions", "parse_spec"]


def parse_spec(spec):
    """Split a call spec ``"name(a=1, b='x')"`` into ``(name, args, kwargs)``.

    Arguments must be Python literals. A plain name gives ``(name, (), {})``.
    Raises ``ValueError`` for anything else.
    """
    try:
        node = ast.parse(spec.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"{spec!r} is neither a name nor a call spec.") from None
    if isinstance(node, ast.Name):
        return node.id, (), {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise ValueError(f"{spec!r} is neither a name nor a call spec.")
    try:
        args = tuple(ast.literal_eval(arg) for arg in node.args)
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
    except ValueError:
        raise ValueError(
            f"The arguments of {spec!r} must be literals (numbers, strings, ...)."
        ) from None
    if None in kwargs:
        raise ValueError(f"{spec!r}: '**' arguments are not supported.")
    return node.func.id, args, kwargs


class Registry(dict):
    """Names of one kind of extension point, mapped to their entries.

    Parameters
    ----------
    kind : str
        What the entries are, for error messages (``"activation"``).
    is_entry : callable
        ``is_entry(obj)`` is True for objects :meth:`get` returns as they are.
    hint : str
        How to supply an entry that is not registered, appended to errors.
    """

    def __init__(self, kind, is_entry, hint=""):
        super().__init__()
        self.kind = kind
        self.is_entry = is_entry
        self.hint = hint
        self.factories = {}
        self.aliases = {}

    def register(self, name, entry, *, overwrite=False):
        """Add ``entry`` under ``name``; refuse to replace one unless ``overwrite``."""
        if name in self and not overwrite:
            raise ValueError(
                f"A {self.kind} named {name!r} is already registered; "
                "pass overwrite=True to replace it."
            )
        self[name] = entry
        return entry

    def register_factory(self, name, factory):
        """Make ``"name(arg=value, ...)"`` specs call ``factory(arg=value, ...)``."""
        self.factories[name] = factory
        return factory

    def register_alias(self, alias, name):
        """Make ``alias`` another name for the registered ``name``."""
        self.aliases[alias] = name

    def __contains__(self, name):
        return dict.__contains__(self, name) or name in self.aliases

    def __getitem__(self, name):
        return dict.__getitem__(self, self.aliases.get(name, name))

    def accepts(self, spec):
        """Whether :meth:`get` resolves the string ``spec``."""
        try:
            self.get(spec)
        except (ValueError, TypeError):
            return False
        return True

    def get(self, spec):
        """The entry for a name, alias or call spec; an entry is returned as is."""
        if self.is_entry(spec):
            return spec
        if isinstance(spec, str):
            if spec in self:
                return self[spec]
            name, args, kwargs = parse_spec(spec) if "(" in spec else (spec, (), {})
            if name in self.factories:
                return self.factories[name](*args, **kwargs)
        raise ValueError(
            f"Unknown {self.kind} {spec!r}. Registered: {sorted(self)}"
            + (f"; parameterized: {sorted(f + '(...)' for f in self.factories)}"
               if self.factories else "")
            + (f". {self.hint}" if self.hint else ".")
        )


class RegistryOptions(StrOptions):
    """A string constraint that accepts what a registry resolves: names, aliases
    and call specs such as ``"leaky_relu(negative_slope=0.2)"``."""

    def __init__(self, registry, exclude=()):
        super().__init__(set(registry) - set(exclude))
        self.registry = registry
        self.exclude = set(exclude)

    def is_satisfied_by(self, val):
        return (isinstance(val, str) and val not in self.exclude
                and self.registry.accepts(val))

    def __str__(self):
        names = sorted(set(self.registry) - self.exclude)
        return (f"a str among {names} or a call spec such as "
                f"{sorted(f + '(...)' for f in self.registry.factories)}")
