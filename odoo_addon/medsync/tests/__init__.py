from . import test_install
from . import test_security
from . import test_exception
from . import test_run
from . import test_matching
from . import test_reconcile
from . import test_dedupe
from . import test_hub
