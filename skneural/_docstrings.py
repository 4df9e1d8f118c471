"""Shared docstring sections of the estimators (numpydoc, scikit-learn's flavour).

Kept apart so the estimator modules stay short; the classes format them into their
``__doc__``.
"""

_COMMON_PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer.

    activation : str, Activation or list of them, default='relu'
        Activation of the hidden layers: 'identity', 'logistic', 'tanh', 'relu',
        'step', 'lecun_tanh', 'leaky_relu', 'elu', 'softplus', 'gelu', or any name
        registered in :mod:`skneural.activations`, or a record (e.g.
        ``skneural.activations.leaky_relu(0.2)``); or a list with one entry per
        hidden layer.

    solver : str or solver object, default='adam'
        'sgd', 'adam' and 'lbfgs' as in scikit-learn (the string takes its settings
        from the parameters below); 'momentum', 'nesterov', 'adaptive_gains',
        'rmsprop', 'rprop' (= 'irprop-'), 'rprop+', 'rprop-', 'irprop+', 'irprop-',
        'cg' or any name registered in :mod:`skneural.optim` (which lists the
        parameters each name reads); or a solver object such as
        ``skneural.optim.RMSprop(rho=0.95)`` that carries its own settings. The
        'rprop' family, 'lbfgs' and 'cg' always train on the full batch.

    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the batch's sample-weight sum when added
        to the loss (scikit-learn's scaling).

    batch_size : int or 'auto', default='auto'
        Mini-batch size of the stochastic solvers; 'auto' is min(200, n_samples).
        Full-batch solvers ('lbfgs') ignore it.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'plateau', \
'bold_driver'}, default='constant'
        Learning-rate schedule. As in scikit-learn, 'invscaling' and 'adaptive'
        apply to 'sgd' only: constant; ``learning_rate_init / (t + 1) ** power_t``
        after each epoch, t the samples seen; or divide by 5 whenever training
        stops improving for ``n_iter_no_change`` epochs (stop once below 1e-6).
        'plateau' and 'bold_driver' act on every step-based solver: 'plateau'
        divides the rate by 5 after more than ``n_iter_no_change`` epochs in which
        the validation loss (the training loss without validation data) did not
        improve by ``tol`` on its best since the last division, and stops once the
        rate is below 1e-6; 'bold_driver' multiplies the rate by 1.1 after an epoch
        that lowered the training loss and, after one that raised it, undoes the
        epoch and halves the rate. See :mod:`skneural.optim.schedules`.

    learning_rate_init : float, default=0.001
        Initial learning rate of the string solvers that have one ('sgd',
        'momentum', 'nesterov', 'adaptive_gains', 'rmsprop', 'adam').

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Epochs for the stochastic solvers, iterations for 'lbfgs'.

    shuffle : bool, default=True
        Shuffle the samples at each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, the early-stopping split and shuffling.

    tol : float, default=1e-4
        Improvement below which an epoch counts as no improvement (see
        ``n_iter_no_change``); 'lbfgs' uses it as its gradient tolerance.

    verbose : bool or int, default=False
        1 (or True): print scikit-learn's per-epoch lines (loss, validation score);
        2: also the validation loss, the learning rate and the epoch's time.

    warm_start : bool, default=False
        Start ``fit`` from the current weights (the solver state is rebuilt, as in
        scikit-learn).

    momentum : float, default=0.9
        Momentum of 'sgd', 'momentum' and 'nesterov', in [0, 1].

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd' when momentum > 0.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers), or use ``fit``'s ``X_val`` / ``y_val``; stop when the
        validation score stops improving, and restore the weights of the epoch with
        the best score (``restored_epoch_`` says which).

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability term.

    n_iter_no_change : int, default=10
        Training stops after more than this many epochs without an improvement of
        ``tol`` (loss, or validation score with early stopping).

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    scoring : str, callable or None, default=None
        What the validation data (the ``early_stopping`` split or ``fit``'s
        ``X_val``) are scored by, for ``validation_scores_``, early stopping and the
        restored weights, as in HistGradientBoosting. None: scikit-learn's
        behaviour, accuracy (classifier) or R^2 (regressor), computed from the same
        forward pass as the validation loss. 'loss': the validation loss (the
        sample-weighted mean loss without the penalty); ``validation_scores_`` then
        holds the **negated** loss, so higher is still better, and early stopping
        restores the epoch with the lowest validation loss. Any other string or
        callable is a scikit-learn scorer (``sklearn.metrics.get_scorer``), called
        on the estimator at the epoch's weights.

    weight_init : str or callable, default='auto'
        Initial weights: 'auto' is scikit-learn's scheme (Glorot uniform, biases
        drawn too); 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal',
        'lecun_uniform', 'lecun_normal' (zero biases), any name registered in
        :mod:`skneural.initializers`, or a callable.

    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Weight penalty of strength ``alpha``, as in scikit-learn's linear models:
        ``alpha/2 ||W||^2`` (scikit-learn's MLP), ``alpha |W|_1``, or
        ``alpha (l1_ratio |W|_1 + (1 - l1_ratio)/2 ||W||^2)``; None for none.
        Biases are not penalised; the penalty is divided by the batch's
        sample-weight sum like ``alpha``'s L2 term. The L1 part gives exact zeros
        with sgd, momentum, nesterov (the cumulative L1 penalty of Tsuruoka et al.
        2009, as scikit-learn's SGDClassifier) and lbfgs (L-BFGS-B on ``W = P -
        N``); other solvers use its subgradient.

    l1_ratio : float, default=0.15
        Elastic-net mixing in [0, 1]; used only with ``penalty='elasticnet'``.

    max_norm : float or None, default=None
        After each update, every unit's incoming weight vector whose L2 norm
        exceeds ``max_norm`` is rescaled to it (Srivastava et al., 2014). 'lbfgs'
        (whose line search cannot be constrained) minimizes the loss of the
        projected weights instead, so every weight vector it evaluates, and the
        result, satisfy the bound too.

    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs during training
        only, a fresh draw for every batch.

    dropout : float or list of float, default=0.0
        Dropout rate in [0, 1) of all hidden layers, or one per hidden layer.
        Inverted dropout: during training each hidden unit is dropped with this
        probability and the others are scaled by ``1 / (1 - rate)``; predictions
        use the whole network, deterministically. The masks and all the training
        noise below come from ``random_state``, and nothing is drawn while they are
        off, so the defaults reproduce scikit-learn. With full-batch solvers
        ('lbfgs') every loss evaluation draws anew, which makes the objective noisy
        for the line search: prefer a stochastic solver with training noise.

    input_dropout : float, default=0.0
        Inverted dropout of the inputs during training: each input is zeroed with
        this probability and the others scaled by ``1 / (1 - rate)`` (Srivastava
        et al. 2014 use 0.2 on MNIST; the corruption of a denoising autoencoder).

    weight_noise : float, default=0.0
        Standard deviation of Gaussian noise added to every weight matrix (not the
        biases) for each training batch; the backward pass uses the same noisy
        weights, and the gradient of the loss at them updates the weights (Graves,
        2011, with a fixed standard deviation). Off at prediction time.

    stochastic_activities : bool, default=False
        Noise in the activities (Hinton's course, lecture 9): during training each
        logistic hidden unit feeds forward 1 with probability its output ``p``,
        else 0, and backpropagation uses the ordinary derivative ``p (1 - p)``.
        Slower to train and worse on the training data, often better on test
        data; predictions use ``p`` itself. Needs ``activation='logistic'``.

    training_dtype : {'float32', 'float64'} or None, default=None
        Floating-point type of the weights and of training. None keeps the input's
        (float32 input trains in float32, anything else in float64), as
        scikit-learn does. 'float32' trains float64 input in float32, which runs the
        matrix products about twice as fast; X is cast one mini-batch at a time
        (the full-batch solvers cast it once), never copied whole."""

_COMMON_ATTRIBUTES = """\
    loss_ : float
        The loss at the end of training: the last epoch's mean loss (stochastic
        solvers) or the final objective ('lbfgs').

    best_loss_ : float or None
        Lowest ``loss_curve_`` entry; None with early stopping.

    loss_curve_ : list of float
        Loss after each epoch (or each 'lbfgs' iteration); accumulates across
        ``warm_start`` fits and ``partial_fit`` calls.

    validation_scores_ : list of float or None
        Score (accuracy or R^2) on the validation data after each epoch (each
        'lbfgs' iteration), with early stopping or ``X_val``; None otherwise.

    best_validation_score_ : float or None
        Best of ``validation_scores_``.

    validation_loss_curve_ : list of float or None
        Loss on the validation data after each epoch, aligned with
        ``validation_scores_``: the sample-weighted mean loss without the weight
        penalty (which depends on the batch size, so it is left out to make
        validation losses comparable across settings). None without validation
        data.

    restored_epoch_ : int or None
        When the final weights are not those of the last epoch, the epoch whose
        weights were restored, as a 1-based position in ``loss_curve_`` (0: the
        initial weights): the best-scoring epoch with early stopping, or the last
        finite epoch after divergence. None when nothing was restored.

    stop_reason_ : str or None
        Why the last ``fit`` ended: 'max_iter', 'no_improvement', 'diverged',
        'callback' (a scikit-learn callback asked to stop), 'interrupted', or for
        'lbfgs' / 'cg' 'converged', 'max_iter', 'failed'; None after a
        ``partial_fit`` epoch.

    t_ : int
        Number of training samples seen by the solver.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        Weight matrices, views into one flat parameter buffer. Assigning new arrays
        (with ``warm_start``) makes the next fit start from them.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        Bias vectors.

    n_features_in_ : int

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined when X has string feature names.

    n_iter_ : int
        Epochs (or 'lbfgs' iterations) run by the last ``fit``/``partial_fit`` call.

    n_layers_ : int
        Layers, input and output included.

    n_outputs_ : int
        Output units.

    out_activation_ : str
        Output link: 'softmax', 'logistic', 'identity' or 'exp'."""


_FIT_DOC = """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            {y}
        sample_weight : array-like of shape (n_samples,), default=None
            {sample_weight}
        X_val : {{array-like, sparse matrix}} of shape (n_val, n_features), \
default=None
            A validation set, used instead of the ``validation_fraction`` split:
            its score and loss are recorded after every epoch
            (``validation_scores_``, ``validation_loss_curve_``), and with
            ``early_stopping=True`` it decides when to stop and which weights to
            restore. Same names as scikit-learn's HistGradientBoosting; in a
            :class:`~sklearn.pipeline.Pipeline`, route it with metadata routing
            (``set_fit_request(X_val=True, y_val=True)``) and let the pipeline
            transform it like ``X`` with ``Pipeline(..., transform_input=["X_val"])``.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted model.
        """


_PERCEPTRON_PARAMETERS = """\
    Parameters
    ----------
    penalty : {'l2', 'l1', 'elasticnet'}, default=None
        The penalty (aka regularization term) to be used. An L2 penalty shrinks the
        weights by ``1 - eta0 * alpha`` at every sample; an L1 penalty is applied by
        truncated gradient (Tsuruoka et al., 2009). The bias is not penalized.

    alpha : float, default=0.0001
        Constant that multiplies the regularization term if regularization is used.

    l1_ratio : float, default=0.15
        The Elastic Net mixing parameter, with ``0 <= l1_ratio <= 1``.
        ``l1_ratio=0`` corresponds to L2 penalty, ``l1_ratio=1`` to L1.
        Only used if ``penalty='elasticnet'``.

    fit_intercept : bool, default=True
        Whether the intercept should be estimated or not. If False, the data is
        assumed to be already centered.

    max_iter : int, default=1000
        The maximum number of passes over the training data (aka epochs). It only
        impacts the behavior in the ``fit`` method, and not the :meth:`partial_fit`
        method.

    tol : float or None, default=1e-3
        The stopping criterion. If it is not None, the iterations will stop when
        ``loss > best_loss - tol`` for ``n_iter_no_change`` consecutive epochs, where
        the loss is the mean perceptron loss ``max(0, -y * (w @ x + b))`` (plus the
        penalty) over the epoch.

    shuffle : bool, default=True
        Whether or not the training data should be shuffled after each epoch.

    verbose : int, default=0
        The verbosity level.

    eta0 : float, default=1
        Constant by which the updates are multiplied.

    n_jobs : int, default=None
        The number of CPUs to use to do the OVA (One Versus All, for multi-class
        problems) computation. ``None`` means 1 unless in a
        :obj:`joblib.parallel_backend` context. ``-1`` means using all processors.
        The units run in threads; the per-sample loop holds the GIL for much of its
        time, so the speed-up is small.

    random_state : int, RandomState instance or None, default=0
        Used to shuffle the training data, when ``shuffle`` is set to ``True``, and to
        split off the validation set when ``early_stopping`` is ``True``. Pass an int
        for reproducible output across multiple function calls.

    early_stopping : bool, default=False
        Whether to use early stopping to terminate training when validation score is
        not improving. If set to True, it will automatically set aside a stratified
        fraction of training data as validation and terminate training when validation
        score is not improving by at least ``tol`` for ``n_iter_no_change``
        consecutive epochs. The last weights are kept (not the best ones), as in
        scikit-learn.

    validation_fraction : float, default=0.1
        The proportion of training data to set aside as validation set for early
        stopping. Must be between 0 and 1. Only used if early_stopping is True.

    n_iter_no_change : int, default=5
        Number of iterations with no improvement to wait before early stopping.

    class_weight : dict, {class_label: weight} or "balanced", default=None
        Preset for the class_weight fit parameter. Weights associated with classes.
        If not given, all classes are supposed to have weight one. The "balanced"
        mode uses the values of y to automatically adjust weights inversely
        proportional to class frequencies in the input data as
        ``n_samples / (n_classes * np.bincount(y))``. A class weight multiplies the
        update made on the unit's positive class; with more than two classes the
        "rest" side keeps weight one, as in scikit-learn.

    warm_start : bool, default=False
        When set to True, reuse the solution of the previous call to fit as
        initialization, otherwise, just erase the previous solution.

    averaged : bool or int, default=False
        Averaged perceptron (Freund & Schapire, 1999): expose the mean of the weights
        held after every training step instead of the last ones. An int ``n > 1``
        starts averaging once ``t_`` reaches ``n`` (scikit-learn's ``average``
        parameter of ``SGDClassifier``). Training itself is unchanged.

    pocket : bool, default=False
        Pocket algorithm with ratchet (Gallant, 1990), for data that are not linearly
        separable: keep "in the pocket" the weights with the fewest (weighted)
        training errors seen. A weight vector is scored on the training set when its
        run of samples without an update is the longest so far, and at the end of
        each epoch; it replaces the pocket only if it makes strictly fewer errors.
        Training itself is unchanged; ``coef_`` and ``intercept_`` hold the pocket,
        which is never worse on the training set than the last weights. Each call to
        ``fit`` or ``partial_fit`` fills its own pocket from the data it is given.
        Cannot be combined with ``averaged``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The unique classes labels.

    coef_ : ndarray of shape (1, n_features) if n_classes == 2 else \
            (n_classes, n_features)
        Weights assigned to the features.

    intercept_ : ndarray of shape (1,) if n_classes == 2 else (n_classes,)
        Constants in decision function.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature
        names that are all strings.

    n_iter_ : int
        The actual number of iterations to reach the stopping criterion. For
        multiclass fits, it is the maximum over every binary fit.

    t_ : float
        Number of samples seen (weight updates in scikit-learn's sense) plus one:
        ``n_iter_ * n_samples + 1`` after ``fit``; it accumulates over ``partial_fit``
        calls.

    n_updates_ : ndarray of shape (1,) if n_classes == 2 else (n_classes,)
        Number of mistake-driven weight updates made by each unit (the quantity bounded
        by Novikoff's theorem). Reset by ``fit``, accumulated over ``partial_fit``.

"""
