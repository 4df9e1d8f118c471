"""A scikit-learn ``FitCallback`` whose hooks do nothing, for the tests' callbacks to
extend with what they record (the protocol asks for all four hooks)."""


class QuietCallback:
    """Every hook of ``sklearn.callback``'s FitCallback protocol, doing nothing."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        pass
